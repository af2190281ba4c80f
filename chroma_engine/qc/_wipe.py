"""The A/B wipe of the QC page: two versions of one frame, split by a slider, either side chosen.

Plain HTML, CSS and a few lines of JavaScript (no library, nothing fetched). Every version is one
stacked layer of the stage, embedded once; the left layer is clipped to the slider's position, so
the right one shows beyond it. Dragging the slider or the picture moves the split (both go through
the slider's ``input`` event); the buttons above choose which version each side shows. Without
JavaScript the page still shows the first two versions split at the middle.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .._errors import StageError

#: How much larger than its embedded size the picture may be drawn, and the width it may always take
#: (a small frame is drawn at least this wide, so both sides of the split stay readable).
MAX_UPSCALE = 2
MIN_DRAWN_WIDTH = 720

WIPE_CSS = """
.wipe{margin:1em 0}.wipe-controls{display:flex;flex-wrap:wrap;gap:.4em 2em;margin:.5em 0}
.wipe-side{display:flex;gap:.3em;align-items:center}.wipe-side span{color:#aaa;min-width:3.5em}
.wipe button{font:inherit;white-space:nowrap;color:#ddd;background:#333;border:1px solid #555;
border-radius:4px;padding:.25em .8em;cursor:pointer}
.wipe button[aria-pressed=true]{background:#ddd;color:#111;border-color:#ddd}
.wipe-stage{position:relative;width:100%;touch-action:none;cursor:ew-resize;user-select:none;
background:#000;outline:1px solid #444}
.wipe-layer{position:absolute;inset:0;width:100%;height:100%;visibility:hidden;display:block;
border:0;max-width:none;-webkit-user-drag:none}
.wipe-layer.is-right{visibility:visible;z-index:1}
.wipe-layer.is-left{visibility:visible;z-index:2;clip-path:inset(0 calc(100% - var(--wipe)) 0 0)}
.wipe-handle{position:absolute;top:0;bottom:0;left:var(--wipe);width:2px;margin-left:-1px;
background:#fff;box-shadow:0 0 0 1px rgba(0,0,0,.6);z-index:3;pointer-events:none}
.wipe-tag{position:absolute;top:.5em;z-index:4;background:rgba(0,0,0,.65);color:#fff;font-size:.85em;
padding:.15em .5em;border-radius:3px;pointer-events:none}.wipe-tag.left{left:.5em}.wipe-tag.right{right:.5em}
.wipe-range{width:100%;margin:.6em 0 0;accent-color:#ccc}
"""

WIPE_JS = """
(function(){
  function setup(root){
    var stage=root.querySelector('.wipe-stage'), range=root.querySelector('.wipe-range');
    var layers=root.querySelectorAll('.wipe-layer'), chosen={left:root.dataset.left,right:root.dataset.right};
    function names(key){
      var l=root.querySelector('.wipe-layer[data-key="'+key+'"]');return l?l.dataset.label:key;
    }
    function show(){
      layers.forEach(function(l){
        l.classList.toggle('is-left',l.dataset.key===chosen.left);
        l.classList.toggle('is-right',l.dataset.key===chosen.right&&chosen.right!==chosen.left);
      });
      root.querySelectorAll('button[data-side]').forEach(function(b){
        b.setAttribute('aria-pressed',String(chosen[b.dataset.side]===b.dataset.key));
      });
      root.querySelector('.wipe-tag.left').textContent=names(chosen.left);
      root.querySelector('.wipe-tag.right').textContent=names(chosen.right);
    }
    range.addEventListener('input',function(){root.style.setProperty('--wipe',range.value+'%');});
    function drag(e){
      var box=stage.getBoundingClientRect();
      range.value=Math.max(0,Math.min(100,100*(e.clientX-box.left)/box.width));
      range.dispatchEvent(new Event('input',{bubbles:true}));
    }
    stage.addEventListener('pointerdown',function(e){
      e.preventDefault();stage.setPointerCapture(e.pointerId);drag(e);  // no image drag-and-drop
    });
    stage.addEventListener('pointermove',function(e){if(stage.hasPointerCapture(e.pointerId))drag(e);});
    root.querySelectorAll('button[data-side]').forEach(function(b){
      b.addEventListener('click',function(){chosen[b.dataset.side]=b.dataset.key;show();});
    });
    show();
  }
  document.querySelectorAll('.wipe').forEach(setup);
})();
"""


@dataclass(frozen=True)
class WipeLayer:
    """One version of the frame: a short key (``ml``), its label ("ML restore") and the picture's
    ``src`` (a data URI or a relative path) with its pixel size."""

    key: str
    label: str
    src: str
    width: int
    height: int


def wipe_html(
    layers: Sequence[WipeLayer],
    left: str,
    right: str,
    caption: str = "",
    position: float = 50.0,
) -> str:
    """The wipe's markup: side buttons, the stage of stacked layers, the slider, a caption."""
    if len(layers) < 2:
        raise StageError(f"wipe: needs at least two versions of the frame, got {len(layers)}")
    keys = [layer.key for layer in layers]
    if len(set(keys)) != len(keys) or left not in keys or right not in keys:
        raise StageError(f"wipe: sides {left!r}/{right!r} must be among distinct keys {keys}")
    if len({(layer.width, layer.height) for layer in layers}) != 1:
        raise StageError("wipe: every version of the frame must have the same size")
    width, height = layers[0].width, layers[0].height
    e: Callable[[str], str] = html.escape
    by_key = {layer.key: layer for layer in layers}

    def buttons(side: str, word: str) -> str:
        chosen = left if side == "left" else right
        items = "".join(
            f'<button type="button" data-side="{side}" data-key="{e(k)}" '
            f'aria-pressed="{str(k == chosen).lower()}">{e(by_key[k].label)}</button>'
            for k in keys
        )
        return (
            f'<div class="wipe-side" role="group" aria-label="{word} side"><span>{word}</span>{items}</div>'
        )

    stack = "".join(
        f'<img class="wipe-layer{" is-left" if layer.key == left else ""}'
        f'{" is-right" if layer.key == right and right != left else ""}" data-key="{e(layer.key)}" '
        f'data-label="{e(layer.label)}" src="{layer.src}" alt="{e(layer.label)}" '
        f'width="{width}" height="{height}" draggable="false">'
        for layer in layers
    )
    return (
        f'<div class="wipe" data-left="{e(left)}" data-right="{e(right)}" style="--wipe:{position:g}%">'
        f'<div class="wipe-controls">{buttons("left", "Left")}{buttons("right", "Right")}</div>'
        f'<div class="wipe-frame" style="max-width:{max(width * MAX_UPSCALE, MIN_DRAWN_WIDTH)}px">'
        f'<div class="wipe-stage" style="aspect-ratio:{width}/{height}">{stack}'
        f'<div class="wipe-handle"></div><span class="wipe-tag left">{e(by_key[left].label)}</span>'
        f'<span class="wipe-tag right">{e(by_key[right].label)}</span></div>'
        f'<input class="wipe-range" type="range" min="0" max="100" step="0.1" value="{position:g}" '
        f'aria-label="Wipe position (percent of the frame width shown from the left version)"></div>'
        + (f'<p class="caption">{e(caption)}</p>' if caption else "")
        + "</div>"
    )
