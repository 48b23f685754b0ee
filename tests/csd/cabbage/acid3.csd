<Cabbage>{"widgets": [
  {"type": "form", "caption": "Acid Test", "size": {"width": 420, "height": 300}, "pluginId": "Acd1", "style": {"backgroundColor": "#1e1e1e"}},
  {"type": "rotarySlider", "bounds": {"left": 10, "top": 10, "width": 70, "height": 70},
   "channels": [{"id": "cutoff", "range": {"min": 20, "max": 20000, "defaultValue": 1000, "skew": 0.3, "increment": 1}}],
   "label": {"text": "Cutoff"}, "style": {"trackerColor": "#c87800"}},
  {"type": "horizontalSlider", "bounds": {"left": 90, "top": 10, "width": 200, "height": 30},
   "channels": [{"id": "res", "range": {"min": 0, "max": 1, "defaultValue": 0.2, "increment": 0.01}}], "label": {"text": "Resonance"}},
  {"type": "verticalSlider", "bounds": {"left": 300, "top": 10, "width": 30, "height": 100},
   "channels": [{"id": "drive", "range": {"min": 0, "max": 10, "defaultValue": 2.5}}]},
  {"type": "numberSlider", "bounds": {"left": 340, "top": 10, "width": 60, "height": 25},
   "channels": [{"id": "detune", "range": {"min": -12, "max": 12, "defaultValue": 0, "increment": 1}}]},
  {"type": "comboBox", "bounds": {"left": 10, "top": 90, "width": 100, "height": 25}, "indexOffset": true,
   "channels": [{"id": "wave"}], "items": ["Saw", "Square", "Tri"], "value": 2},
  {"type": "checkBox", "bounds": {"left": 120, "top": 90, "width": 80, "height": 20},
   "channels": [{"id": "on", "range": {"defaultValue": 1}}], "label": {"text": "On"}},
  {"type": "button", "bounds": {"left": 210, "top": 90, "width": 60, "height": 25},
   "channels": [{"id": "trig"}], "text": {"off": "off", "on": "on"}},
  {"type": "xyPad", "bounds": {"left": 280, "top": 120, "width": 120, "height": 120},
   "channels": [{"id": "x", "event": "mouseDragX", "range": {"min": 0, "max": 1, "defaultValue": 0.25}},
                {"id": "y", "event": "mouseDragY", "range": {"min": 100, "max": 200, "defaultValue": 150}}]},
  {"type": "horizontalRangeSlider", "bounds": {"left": 10, "top": 250, "width": 200, "height": 20},
   "channels": [{"id": "low", "range": {"min": 0, "max": 1, "defaultValue": 0.2, "increment": 0.001}},
                {"id": "high", "range": {"min": 0, "max": 1, "defaultValue": 0.8, "increment": 0.001}}]},
  {"type": "groupBox", "bounds": {"left": 10, "top": 130, "width": 260, "height": 110}, "text": "Envelope",
   "children": [
     {"type": "rotarySlider", "bounds": {"left": 10, "top": 25, "width": 60, "height": 60},
      "channels": [{"id": "attack", "range": {"min": 0.001, "max": 2, "defaultValue": 0.01, "skew": 0.5}}], "label": {"text": "Attack"}},
     {"type": "rotarySlider", "bounds": {"left": 80, "top": 25, "width": 60, "height": 60}, "automatable": false,
      "channels": [{"id": "hidden", "range": {"min": 0, "max": 1, "defaultValue": 0.5}}]}
   ]},
  {"type": "keyboard", "bounds": {"left": 10, "top": 275, "width": 400, "height": 20}, "value": 36},
  {"type": "label", "bounds": {"left": 220, "top": 250, "width": 100, "height": 20}, "text": "Hello"},
  {"type": "image", "bounds": {"left": 0, "top": 0, "width": 420, "height": 5}, "style": {"backgroundColor": "orange"}},
  {"type": "csoundOutput", "bounds": {"left": 330, "top": 250, "width": 80, "height": 40}},
  {"type": "fileButton", "bounds": {"left": 220, "top": 270, "width": 60, "height": 20}, "channels": [{"id": "file"}], "text": "Open"},
  {"type": "soundfiler", "bounds": {"left": 0, "top": 0, "width": 10, "height": 10}}
]}</Cabbage>
<CsoundSynthesizer>
<CsOptions>
-n -d -m0d
</CsOptions>
<CsInstruments>
ksmps = 32
nchnls = 2
0dbfs = 1
instr 1
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
