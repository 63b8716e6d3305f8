"""sqladmin views over the ORM rows; every change goes through MPR's use cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from sqladmin import ModelView, action
from sqladmin.filters import BooleanFilter, StaticValuesFilter
from sqladmin.flash import flash
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import FloatField, Form, StringField
from wtforms.validators import Optional

from mpr.application.assets import AssetChanges
from mpr.application.presets import PresetFields
from mpr.bootstrap import Services
from mpr.bootstrap.admin import AssetRow, DeletionRow, JobRow, PresetRow
from mpr.domain.asset import AssetStatus, Location
from mpr.domain.errors import MprError
from mpr.domain.job import JobStatus
from mpr.domain.preset import EDITABLE_FIELDS


def _choices(enum: Sequence[Any]) -> list[tuple[str, str]]:
    return [(m.value, m.value) for m in enum]


def _labels(row: Any) -> dict[Any, str]:
    """Readable column titles: 'video_codec' shows as 'Video codec'."""
    names = {c.key: c.key.replace("_", " ").capitalize() for c in row.__table__.columns}
    return names | {"id": "ID", "is_builtin": "Builtin", "file_size": "Size (bytes)",
                    "video_crf": "Video CRF", "eta": "ETA (s)"}


class _MprView(ModelView):
    """Shared settings; `services` is bound per app by `bound_views`."""

    services: ClassVar[Services]
    page_size = 25
    page_size_options: ClassVar[list[int]] = [25, 50, 100]
    can_export = False

    async def _row(self, pk: Any) -> Any:
        async with self.session_maker() as session:
            return await session.get(self.model, pk)


class AssetAdmin(_MprView, model=AssetRow):
    column_labels: ClassVar[dict[Any, str]] = _labels(AssetRow)
    name, name_plural, icon = "Asset", "Assets", "fa-solid fa-film"
    can_create = False
    column_list: ClassVar[list[Any]] = [
        AssetRow.filename, AssetRow.location, AssetRow.status, AssetRow.duration,
        AssetRow.video_codec, AssetRow.audio_codec, AssetRow.width, AssetRow.height,
        AssetRow.file_size, AssetRow.created_at]
    column_searchable_list: ClassVar[list[Any]] = [AssetRow.filename, AssetRow.comments]
    column_sortable_list: ClassVar[list[Any]] = [
        AssetRow.filename, AssetRow.status, AssetRow.duration, AssetRow.file_size,
        AssetRow.created_at]
    column_default_sort: ClassVar[list[tuple[Any, bool]]] = [(AssetRow.created_at, True)]
    column_filters: ClassVar[list[Any]] = [
        StaticValuesFilter(AssetRow.status, _choices(list(AssetStatus))),
        StaticValuesFilter(AssetRow.location, _choices(list(Location)))]
    form_columns: ClassVar[list[Any]] = [AssetRow.comments, AssetRow.tags]
    form_overrides: ClassVar[dict[str, Any]] = {"tags": StringField}
    form_args: ClassVar[dict[str, Any]] = {"tags": {"description": "comma-separated"}}

    async def get_form_data_for_edit(self, obj: Any) -> dict[str, Any]:
        return {"comments": obj.comments, "tags": ", ".join(obj.tags)}

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        tags = [t.strip() for t in str(data.get("tags") or "").split(",") if t.strip()]
        changes = AssetChanges(comments=data.get("comments") or "", tags=tags)
        asset = await self.services.update_asset(pk, changes)
        return await self._row(asset.id)

    async def delete_model(self, request: Request, pk: Any) -> None:
        await self.services.delete_asset(str(pk))


class PresetAdmin(_MprView, model=PresetRow):
    column_labels: ClassVar[dict[Any, str]] = _labels(PresetRow)
    name, name_plural, icon = "Preset", "Presets", "fa-solid fa-sliders"
    column_list: ClassVar[list[Any]] = [
        PresetRow.name, PresetRow.is_builtin, PresetRow.container, PresetRow.video_codec,
        PresetRow.resolution, PresetRow.video_crf, PresetRow.audio_codec,
        PresetRow.audio_bitrate, PresetRow.created_by]
    column_searchable_list: ClassVar[list[Any]] = [PresetRow.name, PresetRow.description]
    column_sortable_list: ClassVar[list[Any]] = [
        PresetRow.name, PresetRow.container, PresetRow.video_codec, PresetRow.is_builtin]
    column_default_sort: ClassVar[list[tuple[Any, bool]]] = [(PresetRow.name, False)]
    column_filters: ClassVar[list[Any]] = [BooleanFilter(PresetRow.is_builtin)]
    form_columns: ClassVar[list[str]] = list(EDITABLE_FIELDS)
    form_overrides: ClassVar[dict[str, Any]] = {"description": StringField,
                                                 "framerate": FloatField}
    form_args: ClassVar[dict[str, Any]] = {"framerate": {"validators": [Optional()]}}

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        form = await super().scaffold_form(rules)
        form.description = StringField("Description", validators=[Optional()],
                                       render_kw={"class": "form-control"})
        return form

    async def check_can_edit(self, request: Request, model: Any) -> bool:
        return not model.is_builtin and await super().check_can_edit(request, model)

    async def check_can_delete(self, request: Request, model: Any) -> bool:
        return not model.is_builtin and await super().check_can_delete(request, model)

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        preset = await self.services.create_preset(_preset_fields(data))
        return await self._row(preset.id)

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        preset = await self.services.update_preset(pk, _preset_fields(data))
        return await self._row(preset.id)

    async def delete_model(self, request: Request, pk: Any) -> None:
        await self.services.delete_preset(str(pk))


def _preset_fields(data: dict[str, Any]) -> PresetFields:
    """Form values as use-case fields: blank means unset (None), the description stays text."""
    values = {k: (None if v in ("", None) else v) for k, v in data.items()
              if k in EDITABLE_FIELDS}
    values["description"] = values.get("description") or ""
    return PresetFields(values)


class JobAdmin(_MprView, model=JobRow):
    column_labels: ClassVar[dict[Any, str]] = _labels(JobRow)
    name, name_plural, icon = "Job", "Jobs", "fa-solid fa-gears"
    can_create = can_edit = can_delete = False
    column_list: ClassVar[list[Any]] = [
        JobRow.output_filename, JobRow.status, JobRow.progress, JobRow.speed, JobRow.attempts,
        JobRow.priority, JobRow.trim_start, JobRow.trim_end, JobRow.created_by,
        JobRow.created_at, JobRow.completed_at]
    column_details_exclude_list: ClassVar[list[Any]] = [JobRow.version]
    column_searchable_list: ClassVar[list[Any]] = [JobRow.output_filename,
                                                   JobRow.error_message]
    column_sortable_list: ClassVar[list[Any]] = [
        JobRow.status, JobRow.progress, JobRow.priority, JobRow.created_at,
        JobRow.completed_at]
    column_default_sort: ClassVar[list[tuple[Any, bool]]] = [(JobRow.created_at, True)]
    column_filters: ClassVar[list[Any]] = [
        StaticValuesFilter(JobRow.status, _choices(list(JobStatus)))]
    column_formatters: ClassVar[dict[Any, Any]] = {
        JobRow.progress: lambda m, _: f"{m.progress:.0f}%"}

    @action(name="cancel", label="Cancel job", confirmation_message="Cancel the selected jobs?")
    async def cancel(self, request: Request) -> Response:
        return await self._each(request, self.services.cancel_job, "cancelled")

    @action(name="retry", label="Retry job", confirmation_message="Retry the selected jobs?")
    async def retry(self, request: Request) -> Response:
        return await self._each(request, self.services.retry_job, "queued again")

    async def _each(self, request: Request, use_case: Callable[[str], Any],
                    done: str) -> Response:
        pks = [p for p in request.query_params.get("pks", "").split(",") if p]
        ok = 0
        for pk in pks:
            try:
                await use_case(pk)
                ok += 1
            except MprError as e:
                flash(request, str(e), category="danger")
        if ok:
            flash(request, f"{ok} job(s) {done}", category="success")
        back = request.headers.get("referer", "")
        if not back.startswith(str(request.base_url)):  # only ever back into the admin
            back = str(request.url_for("admin:list", identity=self.identity))
        return RedirectResponse(back, status_code=302)


class DeletionAdmin(_MprView, model=DeletionRow):
    column_labels: ClassVar[dict[Any, str]] = _labels(DeletionRow)
    name, name_plural, icon = "Deletion", "Deletions", "fa-solid fa-trash-can"
    can_create = can_edit = can_delete = False
    column_list: ClassVar[list[Any]] = [DeletionRow.kind, DeletionRow.name,
                                        DeletionRow.deleted_by, DeletionRow.deleted_at]
    column_searchable_list: ClassVar[list[Any]] = [DeletionRow.name, DeletionRow.deleted_by]
    column_default_sort: ClassVar[list[tuple[Any, bool]]] = [(DeletionRow.deleted_at, True)]


ADMIN_VIEWS: tuple[type[_MprView], ...] = (AssetAdmin, PresetAdmin, JobAdmin, DeletionAdmin)


def bound_views(services: Services) -> list[type[ModelView]]:
    """The views, each given the services their edits and actions call."""
    return [type(v.__name__, (v,), {"services": services}) for v in ADMIN_VIEWS]
