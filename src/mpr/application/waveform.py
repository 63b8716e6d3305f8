"""An asset's audio waveform for the timeline: peaks made once per asset, then cached."""

from __future__ import annotations

from pathlib import Path

from mpr.application.missing_objects import present_asset, raise_if_gone
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import Conflict, TranscodeError, ValidationError
from mpr.domain.package import is_folder_prefix, package_prefix
from mpr.domain.ports import MediaStorage, UnitOfWorkFactory, WaveformMaker
from mpr.domain.waveform import PEAKS


class AssetWaveform:
    """The waveform JSON of a ready asset's first audio stream, from the store it lives in."""

    def __init__(self, uow: UnitOfWorkFactory, input_storage: MediaStorage,
                 output_storage: MediaStorage, waveforms: WaveformMaker) -> None:
        self._uow = uow
        self._stores = {Location.INPUT: input_storage, Location.OUTPUT: output_storage}
        self._waveforms = waveforms

    async def __call__(self, asset_id: str) -> Path:
        """The cached file; NotFound for an unknown or missing asset, Conflict for one not
        ready, ValidationError for one without audio or that is a package (a ladder)."""
        asset = await self._audible(asset_id)
        store = self._stores[asset.location]
        key = f"{asset.id}/waveform-{PEAKS}"
        try:
            async with store.open_source(asset.file_path) as source:
                return await self._waveforms.waveform(source, key, asset.media.duration or 0.0)
        except TranscodeError:
            await raise_if_gone(store, asset.file_path)
            raise

    async def _audible(self, asset_id: str) -> MediaAsset:
        asset = await present_asset(self._uow, asset_id)
        if asset.status is not AssetStatus.READY:
            raise Conflict(f"asset {asset.id} is {asset.status.value}, not ready: "
                           "only ready assets have a waveform")
        if not asset.media.audio_codec:
            raise ValidationError(f"asset {asset.id} has no audio to draw a waveform of")
        if is_folder_prefix(package_prefix(asset.file_path)):
            raise ValidationError(f"asset {asset.id} is a package of streams: its waveform "
                                  "is not drawn")
        return asset
