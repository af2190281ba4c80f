"""Optional UIManager dialogs (Studio only; ``fusion.UIManager`` is None on free 19.1+).

Only the shot name is asked; every other setting comes from the config file, so the scripts run
the same with or without a dialog. An error is shown in a dialog as well as on the console. Any
failure of the UI layer falls back to the console alone.
"""

from __future__ import annotations

from typing import Any

from ._gateway import has_method


def ask_shot_name(ui: Any, bmd: Any, default: str = "") -> str | None:
    """Ask for the shot name; returns the text (``""`` = automatic), ``default`` without a UI, None on Cancel.

    Args:
        ui: ``fusion.UIManager`` or None.
        bmd: the ``bmd`` global (``bmd.UIDispatcher``) or None.
        default: pre-filled name; ``""`` lets the bridge choose ``<film>_<timecode>``.
    """
    if ui is None or bmd is None or not has_method(bmd, "UIDispatcher"):
        return default
    try:
        dispatcher = bmd.UIDispatcher(ui)
        window = dispatcher.AddWindow(
            {"ID": "crSendShot", "WindowTitle": "Send shot to ML", "Geometry": [200, 200, 420, 110]},
            ui.VGroup(
                [
                    ui.Label({"Text": "Shot name (empty: film + record timecode)"}),
                    ui.LineEdit({"ID": "shot", "Text": default}),
                    ui.HGroup(
                        [
                            ui.Button({"ID": "ok", "Text": "Send"}),
                            ui.Button({"ID": "cancel", "Text": "Cancel"}),
                        ]
                    ),
                ]
            ),
        )
        answer: dict[str, str | None] = {"value": None}

        def _ok(_event: Any) -> None:
            answer["value"] = str(window.Find("shot").Text or "")
            dispatcher.ExitLoop()

        def _cancel(_event: Any) -> None:
            answer["value"] = None
            dispatcher.ExitLoop()

        window.On.ok.Clicked = _ok
        window.On.cancel.Clicked = _cancel
        window.On.crSendShot.Close = _cancel
        window.Show()
        dispatcher.RunLoop()
        window.Hide()
        return answer["value"]
    except Exception:  # noqa: BLE001 - a broken UI layer must not stop the send
        return default


def show_error(ui: Any, bmd: Any, message: str, hint: str = "") -> bool:
    """Show ``message`` (and ``hint``) in a dialog with an OK button; False when there is no UI.

    Args:
        ui: ``fusion.UIManager`` or None.
        bmd: the ``bmd`` global (``bmd.UIDispatcher``) or None.
        message: the one-line error.
        hint: what to do about it ("" for none).
    """
    if ui is None or bmd is None or not has_method(bmd, "UIDispatcher"):
        return False
    try:
        dispatcher = bmd.UIDispatcher(ui)
        rows = [ui.Label({"ID": "message", "Text": message, "WordWrap": True})]
        if hint:
            rows.append(ui.Label({"ID": "hint", "Text": f"Hint: {hint}", "WordWrap": True}))
        rows.append(ui.HGroup([ui.Button({"ID": "ok", "Text": "OK"})]))
        window = dispatcher.AddWindow(
            {"ID": "crError", "WindowTitle": "Chroma Recovery: error", "Geometry": [200, 200, 520, 140]},
            ui.VGroup(rows),
        )

        def _close(_event: Any) -> None:
            dispatcher.ExitLoop()

        window.On.ok.Clicked = _close
        window.On.crError.Close = _close
        window.Show()
        dispatcher.RunLoop()
        window.Hide()
        return True
    except Exception:  # noqa: BLE001 - the console line was printed already
        return False
