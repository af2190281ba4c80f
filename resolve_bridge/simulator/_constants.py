"""Constant tables of the simulated Resolve: export types, composite modes, colours, formats, settings.

Values follow the official scripting README (R20, ``resolve_api.md``). Enum-like ``resolve.*``
constants are plain ints; the real values are opaque, only their identity matters, except the
composite modes whose order (``COMPOSITE_NORMAL == 0`` ... ``COMPOSITE_INVERTED_LUM == 31``) is public.
"""

from __future__ import annotations

EXPORT_CONSTANTS: dict[str, int] = {
    name: 100 + i
    for i, name in enumerate(
        (
            "EXPORT_AAF",
            "EXPORT_DRT",
            "EXPORT_EDL",
            "EXPORT_FCP_7_XML",
            "EXPORT_FCPXML_1_8",
            "EXPORT_FCPXML_1_9",
            "EXPORT_FCPXML_1_10",
            "EXPORT_HDR_10_PROFILE_A",
            "EXPORT_HDR_10_PROFILE_B",
            "EXPORT_TEXT_CSV",
            "EXPORT_TEXT_TAB",
            "EXPORT_DOLBY_VISION_VER_2_9",
            "EXPORT_DOLBY_VISION_VER_4_0",
            "EXPORT_DOLBY_VISION_VER_5_1",
            "EXPORT_OTIO",
            "EXPORT_ALE",
            "EXPORT_ALE_CDL",
        )
    )
}
EXPORT_SUBTYPES: dict[str, int] = {
    name: 200 + i
    for i, name in enumerate(
        (
            "EXPORT_NONE",
            "EXPORT_AAF_NEW",
            "EXPORT_AAF_EXISTING",
            "EXPORT_CDL",
            "EXPORT_SDL",
            "EXPORT_MISSING_CLIPS",
        )
    )
}

COMPOSITE_MODES: tuple[str, ...] = (
    "COMPOSITE_NORMAL",
    "COMPOSITE_ADD",
    "COMPOSITE_SUBTRACT",
    "COMPOSITE_DIFF",
    "COMPOSITE_MULTIPLY",
    "COMPOSITE_SCREEN",
    "COMPOSITE_OVERLAY",
    "COMPOSITE_HARDLIGHT",
    "COMPOSITE_SOFTLIGHT",
    "COMPOSITE_DARKEN",
    "COMPOSITE_LIGHTEN",
    "COMPOSITE_COLOR_DODGE",
    "COMPOSITE_COLOR_BURN",
    "COMPOSITE_EXCLUSION",
    "COMPOSITE_HUE",
    "COMPOSITE_SATURATE",
    "COMPOSITE_COLORIZE",
    "COMPOSITE_LUMA_MASK",
    "COMPOSITE_DIVIDE",
    "COMPOSITE_LINEAR_DODGE",
    "COMPOSITE_LINEAR_BURN",
    "COMPOSITE_LINEAR_LIGHT",
    "COMPOSITE_VIVID_LIGHT",
    "COMPOSITE_PIN_LIGHT",
    "COMPOSITE_HARD_MIX",
    "COMPOSITE_LIGHTER_COLOR",
    "COMPOSITE_DARKER_COLOR",
    "COMPOSITE_FOREGROUND",
    "COMPOSITE_ALPHA",
    "COMPOSITE_INVERTED_ALPHA",
    "COMPOSITE_LUM",
    "COMPOSITE_INVERTED_LUM",
)

#: The only names ``SetClipColor`` accepts [MCP].
CLIP_COLORS: tuple[str, ...] = (
    "Orange",
    "Apricot",
    "Yellow",
    "Lime",
    "Olive",
    "Green",
    "Teal",
    "Navy",
    "Blue",
    "Purple",
    "Violet",
    "Pink",
    "Tan",
    "Beige",
    "Brown",
    "Chocolate",
)
MARKER_COLORS: tuple[str, ...] = (
    "Blue",
    "Cyan",
    "Green",
    "Yellow",
    "Red",
    "Pink",
    "Purple",
    "Fuchsia",
    "Rose",
    "Lavender",
    "Sky",
    "Mint",
    "Lemon",
    "Sand",
    "Cocoa",
    "Cream",
)
PAGES: tuple[str, ...] = ("media", "cut", "edit", "fusion", "color", "fairlight", "deliver")
#: Pages on which timecode get/set works (pitfall 9).
TIMECODE_PAGES: frozenset[str] = frozenset({"cut", "edit", "color", "fairlight", "deliver"})

RENDER_FORMATS: dict[str, str] = {
    "AVI": "avi",
    "Cineon": "cin",
    "DCP": "dcp",
    "DPX": "dpx",
    "IMF": "imf",
    "JPEG 2000": "j2c",
    "MP4": "mp4",
    "MXF OP-Atom": "mxf",
    "MXF OP1A": "mxf_op1a",
    "OpenEXR": "exr",
    "QuickTime": "mov",
    "TIFF": "tif",
}
#: EXR codec id -> (UI description, OIIO compression, pixel type).
EXR_CODECS: dict[str, tuple[str, str, str]] = {
    "RGBHalf": ("RGB half (no compression)", "none", "half"),
    "RGBHalfDWAA": ("RGB half (DWAA)", "dwaa:45", "half"),
    "RGBHalfDWAB": ("RGB half (DWAB)", "dwab:45", "half"),
    "RGBHalfPIZ": ("RGB half (PIZ)", "piz", "half"),
    "RGBHalfRLE": ("RGB half (RLE)", "rle", "half"),
    "RGBHalfZIP": ("RGB half (ZIP)", "zip", "half"),
    "RGBFloat": ("RGB float (no compression)", "none", "float"),
    "RGBFloatDWAA": ("RGB float (DWAA)", "dwaa:45", "float"),
    "RGBFloatDWAB": ("RGB float (DWAB)", "dwab:45", "float"),
    "RGBFloatPIZ": ("RGB float (PIZ)", "piz", "float"),
    "RGBFloatRLE": ("RGB float (RLE)", "rle", "float"),
    "RGBFloatZIP": ("RGB float (ZIP)", "zip", "float"),
}
OTHER_CODECS: dict[str, dict[str, str]] = {
    "tif": {"RGB 8 bits": "RGB8", "RGB 16 bits": "RGB16"},
    "dpx": {"RGB 10 bits": "RGB10", "RGB 12 bits": "RGB12", "RGB 16 bits": "RGB16"},
    "mov": {"Apple ProRes 4444 XQ": "Apple ProRes 4444 XQ", "Apple ProRes 422 HQ": "ProRes422HQ"},
}

#: Keys ``SetRenderSettings`` accepts and the type each value must have.
RENDER_SETTING_TYPES: dict[str, tuple[type, ...]] = {
    "SelectAllFrames": (bool,),
    "MarkIn": (int,),
    "MarkOut": (int,),
    "TargetDir": (str,),
    "CustomName": (str,),
    "UniqueFilenameStyle": (int,),
    "ExportVideo": (bool,),
    "ExportAudio": (bool,),
    "FormatWidth": (int,),
    "FormatHeight": (int,),
    "FrameRate": (float, int),
    "PixelAspectRatio": (float, int, str),
    "VideoQuality": (int, str),
    "AudioCodec": (str,),
    "AudioBitDepth": (int,),
    "AudioSampleRate": (int,),
    "ColorSpaceTag": (str,),
    "GammaTag": (str,),
    "ExportAlpha": (bool,),
    "EncodingProfile": (str,),
    "MultiPassEncode": (bool,),
    "AlphaMode": (int,),
    "NetworkOptimization": (bool,),
    "ClipStartFrame": (int,),
    "TimelineStartTimecode": (str,),
    "ReplaceExistingFilesInPlace": (bool,),
    "UseFullExtents": (bool,),
    "AddFrameHandles": (int,),
    "DataBurnIn": (bool,),
}

COLOR_SCIENCE_MODES = ("davinciYRGB", "davinciYRGBColorManagedv2", "acescc", "acescct")
RCM_KEYS = frozenset(
    {
        "isAutoColorManage",
        "rcmPresetMode",
        "colorSpaceInput",
        "colorSpaceInputGamma",
        "colorSpaceTimeline",
        "colorSpaceTimelineGamma",
        "colorSpaceOutput",
        "colorSpaceOutputGamma",
    }
)
ACES_KEYS = frozenset({"colorAcesIDT", "colorAcesODT", "colorAcesGamutCompressType", "acesVersion"})

DEFAULT_PROJECT_SETTINGS: dict[str, str] = {
    "timelineFrameRate": "24",
    "timelineDropFrameTimecode": "0",
    "timelinePlaybackFrameRate": "24",
    "timelineResolutionWidth": "3840",
    "timelineResolutionHeight": "2160",
    "timelineOutputResolutionWidth": "3840",
    "timelineOutputResolutionHeight": "2160",
    "colorScienceMode": "davinciYRGB",
    "isAutoColorManage": "0",
    "rcmPresetMode": "Custom",
    "colorSpaceInput": "Rec.709",
    "colorSpaceInputGamma": "Gamma 2.4",
    "colorSpaceTimeline": "Rec.709",
    "colorSpaceTimelineGamma": "Gamma 2.4",
    "colorSpaceOutput": "Rec.709",
    "colorSpaceOutputGamma": "Gamma 2.4",
    "colorAcesIDT": "No Input Transform",
    "colorAcesODT": "No Output Transform",
    "colorAcesGamutCompressType": "None",
    "acesVersion": "1",
    "superScale": "1",
    "imageResizeMode": "sharper",
    "inputSizingPreset": "none",
    "videoDataLevels": "Video",
}

#: Clip properties a script may set (others answer False).
WRITABLE_CLIP_PROPERTIES = frozenset(
    {"Clip Name", "Comments", "Description", "Input Color Space", "FPS", "Start TC", "Reel Name"}
)
#: Standard metadata fields (``SetMetadata`` of any other key answers False).
METADATA_FIELDS = frozenset(
    {
        "Description",
        "Comments",
        "Keywords",
        "Shot",
        "Scene",
        "Take",
        "Angle",
        "Camera #",
        "Reel Number",
        "Good Take",
        "Clip Name",
        "Roll Card #",
        "Production Name",
        "Program Name",
        "Episode Name",
        "Episode #",
        "Day / Night",
        "Shoot Day",
        "Date Recorded",
        "Lab Roll #",
        "Sound Roll #",
    }
)
