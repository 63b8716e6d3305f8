"""MPR, the Media Processor: a media transcoding platform."""

__version__ = "0.1.0"
