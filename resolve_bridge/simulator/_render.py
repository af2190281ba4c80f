"""The render queue of a simulated ``Project``; jobs really write EXR files with OpenImageIO.

Modelled behaviour (``resolve_api.md`` §5):

* ``SetRenderSettings`` layers onto stale Deliver-page state (no getter); an unknown key or a value
  of the wrong type answers False and changes nothing; ``LoadRenderPreset`` resets everything;
* ``AddRenderJob()`` snapshots the current timeline (enabled video tracks, items) and the settings;
  it answers ``""`` without a current timeline or a ``TargetDir``;
* ``StartRendering`` renders synchronously; ``IsRenderingInProgress()`` then answers True for
  ``SimState.render_polls`` polls; ``GetRenderJobStatus`` gives ``JobStatus`` ("Ready",
  "Complete", "Failed"), ``CompletionPercentage`` and, on failure, ``Error`` ("Media offline");
* ``MarkIn``/``MarkOut`` are inclusive absolute frames; a ``MarkIn`` below the timeline start is
  clamped silently (a relative range therefore renders nothing);
* only the ``exr`` format is rendered (other formats fail with an explicit error).

Naming convention of the simulator (documented, not Resolve's guaranteed behaviour): a
single-clip job writes ``<TargetDir>/<CustomName><record frame, 8 digits>.exr`` (Resolve's observed
``eotf_Gamma-2.4_00086400.exr``); ``CustomName`` defaults to the timeline name. Each frame shows the
item under it on the top-most enabled video track (no compositing: ``CompositeMode`` is ignored),
black where there is none, scaled to ``FormatWidth`` x ``FormatHeight`` (default: the timeline
resolution) by fitting. Pixels are RGB, ``half`` or ``float`` per the codec id, compressed as
``RGBHalfDWAA`` -> ``dwaa:45``, ``RGBHalfPIZ`` -> ``piz``...
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._frames import FrameSpan, TimelineRate, timeline_to_source_offset
from ._constants import EXR_CODECS, OTHER_CODECS, RENDER_FORMATS, RENDER_SETTING_TYPES
from ._media_item import MediaSource
from ._state import SimState, api

if TYPE_CHECKING:
    from ._timeline import Timeline

_DELIVER_DEFAULTS: dict[str, Any] = {
    "SelectAllFrames": True,
    "ExportVideo": True,
    "ExportAudio": True,
    "TargetDir": "",
    "CustomName": "",
    "UniqueFilenameStyle": 0,
}
_PRESETS = ("H.264 Master", "YouTube - 1080p", "EXR RGB half (DWAA)")


@dataclass(frozen=True)
class _Shot:
    span: FrameSpan
    source: MediaSource | None
    source_start: int
    source_rate: TimelineRate


@dataclass
class RenderJob:
    """A queued job: a frozen snapshot of the timeline and the render settings."""

    job_id: str
    number: int
    timeline_name: str
    settings: dict[str, Any]
    format: str
    codec: str
    mode: int
    rate: TimelineRate
    timeline_span: FrameSpan
    resolution: tuple[int, int]
    layers: list[list[_Shot]]
    status: str = "Ready"
    percent: int = 0
    error: str = ""
    files: list[str] = field(default_factory=list)

    def frame_range(self) -> range:
        if self.settings.get("SelectAllFrames", True):
            return self.timeline_span.frames
        mark_in = max(int(self.settings.get("MarkIn", self.timeline_span.start)), self.timeline_span.start)
        mark_out = min(int(self.settings.get("MarkOut", self.timeline_span.last)), self.timeline_span.last)
        return range(mark_in, mark_out + 1)

    def shot_at(self, frame: int) -> _Shot | None:
        for layer in self.layers:
            for shot in layer:
                if shot.span.contains(frame):
                    return shot
        return None

    def describe(self) -> dict[str, Any]:
        width, height = self.resolution
        frames = self.frame_range()
        name = self.settings.get("CustomName") or self.timeline_name
        return {
            "JobId": self.job_id,
            "RenderJobName": f"Job {self.number}",
            "TimelineName": self.timeline_name,
            "TargetDir": self.settings.get("TargetDir", ""),
            "OutputFilename": f"{name}.{self.format}",
            "MarkIn": frames.start,
            "MarkOut": frames.stop - 1,
            "RenderMode": "Single clip" if self.mode == 1 else "Individual clips",
            "IsExportVideo": bool(self.settings.get("ExportVideo", True)),
            "IsExportAudio": bool(self.settings.get("ExportAudio", True)),
            "FormatWidth": self.settings.get("FormatWidth", width),
            "FormatHeight": self.settings.get("FormatHeight", height),
            "FrameRate": float(self.settings.get("FrameRate", self.rate.as_float)),
            "VideoFormat": self.format,
            "VideoCodec": self.codec,
        }


def _render(job: RenderJob) -> None:
    """Write the job's frames; sets status, percentage, error and the written files."""
    import OpenImageIO as oiio

    if job.format != "exr":
        job.status, job.error = "Failed", f"simulator renders only exr, not {job.format!r}"
        return
    _desc, compression, pixel_type = EXR_CODECS[job.codec]
    if not job.settings.get("ExportVideo", True):
        job.status, job.percent = "Complete", 100
        return
    target = str(job.settings["TargetDir"])
    name = str(job.settings.get("CustomName") or job.timeline_name)
    width = int(job.settings.get("FormatWidth", job.resolution[0]))
    height = int(job.settings.get("FormatHeight", job.resolution[1]))
    frames = job.frame_range()
    os.makedirs(target, exist_ok=True)
    job.status = "Rendering"
    for done, frame in enumerate(frames, start=1):
        shot = job.shot_at(frame)
        if shot is None:
            image = oiio.ImageBuf(oiio.ImageSpec(width, height, 3, oiio.FLOAT))
        else:
            offset = timeline_to_source_offset(frame - shot.span.start, shot.source_rate, job.rate)
            path = shot.source.frame_path(shot.source_start + offset) if shot.source else ""
            if not path or not os.path.isfile(path):
                job.status, job.error = "Failed", "Media offline"
                return
            image = _load_rgb(oiio, path, width, height)
        image.specmod().attribute("compression", compression)
        image.specmod().attribute("Software", "DaVinci Resolve (chroma-recovery simulator)")
        out = os.path.join(target, f"{name}{frame:08d}.exr")
        if not image.write(out, "half" if pixel_type == "half" else "float"):
            job.status, job.error = "Failed", f"cannot write {out}: {image.geterror()}"
            return
        job.files.append(out)
        job.percent = int(100 * done / max(len(frames), 1))
    job.status, job.percent = "Complete", 100


def _load_rgb(oiio: Any, path: str, width: int, height: int) -> Any:
    source = oiio.ImageBuf(path)
    channels = source.nchannels
    rgb = oiio.ImageBufAlgo.channels(source, (0, 1, 2) if channels >= 3 else (0, 0, 0))
    if (rgb.spec().width, rgb.spec().height) != (width, height):
        rgb = oiio.ImageBufAlgo.fit(rgb, roi=oiio.ROI(0, width, 0, height, 0, 1, 0, 3))
    return rgb


class RenderQueueMixin:
    """Render methods of ``Project`` (it provides ``_sim`` and ``current_timeline``)."""

    _sim: SimState
    current_timeline: Timeline | None

    def init_render_queue(self) -> None:
        self.render_settings: dict[str, Any] = dict(_DELIVER_DEFAULTS)
        self.render_format = "mov"
        self.render_codec = "H264"
        self.render_mode = 1
        self.jobs: dict[str, RenderJob] = {}
        self._job_numbers = 0
        self._polls_left = 0

    @api
    def GetRenderFormats(self) -> dict[str, str]:
        return dict(RENDER_FORMATS)

    @api
    def GetRenderCodecs(self, renderFormat: str) -> dict[str, str]:
        if renderFormat == "exr":
            return {desc: codec for codec, (desc, _c, _t) in EXR_CODECS.items()}
        return dict(OTHER_CODECS.get(renderFormat, {}))

    @api
    def GetCurrentRenderFormatAndCodec(self) -> dict[str, str]:
        return {"format": self.render_format, "codec": self.render_codec}

    @api
    def SetCurrentRenderFormatAndCodec(self, format: str, codec: str) -> bool:
        codecs = EXR_CODECS if format == "exr" else {v: v for v in OTHER_CODECS.get(format, {}).values()}
        if format not in RENDER_FORMATS.values() or codec not in codecs:
            return False
        self.render_format, self.render_codec = format, codec
        return True

    @api
    def GetCurrentRenderMode(self) -> int:
        return self.render_mode

    @api
    def SetCurrentRenderMode(self, renderMode: int) -> bool:
        if renderMode not in (0, 1) or isinstance(renderMode, bool):
            return False
        self.render_mode = renderMode
        return True

    @api
    def GetRenderPresetList(self) -> list[str]:
        return list(_PRESETS)

    @api
    def LoadRenderPreset(self, presetName: str) -> bool:
        if presetName not in _PRESETS:
            return False
        self.render_settings = dict(_DELIVER_DEFAULTS)  # a preset overwrites everything [GOT]
        if presetName.startswith("EXR"):
            self.render_format, self.render_codec = "exr", "RGBHalfDWAA"
        else:
            self.render_format, self.render_codec = "mp4", "H264"
        return True

    @api
    def SetRenderSettings(self, settings: dict[str, Any]) -> bool:
        if not isinstance(settings, dict) or not settings:
            return False
        for key, value in settings.items():
            allowed = RENDER_SETTING_TYPES.get(key)
            if allowed is None or not isinstance(value, allowed):
                return False
            if bool not in allowed and isinstance(value, bool):
                return False
        self.render_settings.update(settings)  # layered onto stale state: no reset, no getter
        return True

    @api
    def AddRenderJob(self) -> str:
        timeline = self.current_timeline
        if timeline is None or not self.render_settings.get("TargetDir"):
            return ""
        layers = [
            [
                _Shot(
                    item.record,
                    item.media.source if item.media else None,
                    item.source_start,
                    item.source_rate,
                )
                for item in track.items
                if item.enabled
            ]
            for track in reversed(timeline.tracks["video"])
            if track.enabled
        ]
        self._job_numbers += 1
        job = RenderJob(
            job_id=self._sim.new_id("job"),
            number=self._job_numbers,
            timeline_name=timeline.name,
            settings=dict(self.render_settings),
            format=self.render_format,
            codec=self.render_codec,
            mode=self.render_mode,
            rate=timeline.rate,
            timeline_span=FrameSpan(timeline.start_frame, timeline.end_frame),
            resolution=(
                int(timeline.setting("timelineResolutionWidth")),
                int(timeline.setting("timelineResolutionHeight")),
            ),
            layers=layers,
        )
        self.jobs[job.job_id] = job
        return job.job_id

    @api
    def DeleteRenderJob(self, jobId: str) -> bool:
        return self.jobs.pop(jobId, None) is not None

    @api
    def DeleteAllRenderJobs(self) -> bool:
        self.jobs.clear()
        return True

    @api
    def GetRenderJobList(self) -> list[dict[str, Any]]:
        return [job.describe() for job in self.jobs.values()]

    @api
    def StartRendering(self, *args: Any, isInteractiveMode: bool = False) -> bool:
        if args and isinstance(args[-1], bool):
            args = args[:-1]  # positional isInteractiveMode (ignored: always non-interactive)
        if len(args) == 1 and isinstance(args[0], list):
            ids = list(args[0])
        elif args and all(isinstance(a, str) for a in args):
            ids = list(args)
        elif not args:
            ids = list(self.jobs)
        else:
            return False
        if not ids or any(job_id not in self.jobs for job_id in ids):
            return False
        for job_id in ids:
            _render(self.jobs[job_id])
        self._polls_left = self._sim.render_polls
        return True

    @api
    def StopRendering(self) -> None:
        self._polls_left = 0

    @api
    def IsRenderingInProgress(self) -> bool:
        if self._polls_left > 0:
            self._polls_left -= 1
            return True
        return False

    @api
    def GetRenderJobStatus(self, jobId: str) -> dict[str, Any]:
        job = self.jobs.get(jobId)
        if job is None:
            return {}
        status: dict[str, Any] = {"JobStatus": job.status, "CompletionPercentage": job.percent}
        if job.error:
            status["Error"] = job.error
        if job.status == "Complete":
            status["TimeTakenToRenderInMs"] = 40 * len(job.files)
        return status
