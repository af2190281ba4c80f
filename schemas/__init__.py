"""The pydantic v2 contract between Resolve, the native engine and Nuke: jobs and manifests."""

from ._base import SCHEMA_VERSION, SchemaModel
from ._decisions import AlignmentRecord, CurationRecord, PairDecision, SubtitleKey
from ._decode import (
    SUPPORTED_VERSIONS,
    check_paths_inside_root,
    decode_manifest,
    decode_shot_job,
    dump_document,
    export_json_schemas,
    load_job,
    load_manifest,
)
from ._errors import DocumentUnreadable, FieldProblem, SchemaError, UnsupportedVersion, ValidationFailed
from ._job import (
    Alignment,
    Crop,
    CropBox,
    Curation,
    InferenceSpec,
    MatchGradeSpec,
    MediaSet,
    OutputSpec,
    ProjectInfo,
    ReferenceCleanup,
    ShotInfo,
    ShotJob,
    Training,
    Transform2D,
)
from ._manifest import STAGES, FileEntry, RenderManifest, StageName
from ._sequence import SequenceRef

__all__ = [
    "Alignment",
    "AlignmentRecord",
    "Crop",
    "CropBox",
    "Curation",
    "CurationRecord",
    "DocumentUnreadable",
    "FieldProblem",
    "FileEntry",
    "InferenceSpec",
    "MatchGradeSpec",
    "MediaSet",
    "OutputSpec",
    "PairDecision",
    "ProjectInfo",
    "ReferenceCleanup",
    "RenderManifest",
    "SCHEMA_VERSION",
    "STAGES",
    "SUPPORTED_VERSIONS",
    "SchemaError",
    "SchemaModel",
    "SequenceRef",
    "ShotInfo",
    "ShotJob",
    "StageName",
    "SubtitleKey",
    "Training",
    "Transform2D",
    "UnsupportedVersion",
    "ValidationFailed",
    "check_paths_inside_root",
    "decode_manifest",
    "decode_shot_job",
    "dump_document",
    "export_json_schemas",
    "load_job",
    "load_manifest",
]
