<Cabbage>
; A Cabbage 2 instrument: every widget type the plugin reads.
#define KNOB colour(40, 40, 60) trackerColour(200, 120, 0) fontColour("white")
#define KNOB2 $KNOB outlineColour(10, 10, 10)
form caption("Acid Test") size(420, 300), pluginId("Acd1"), colour(30, 30, 30)
rslider bounds(10, 10, 70, 70), channel("cutoff"), range(20, 20000, 1000, 0.3, 1), text("Cutoff") $KNOB2
hslider pos(90, 10) size(200, 30), channel("res"), range(0, 1, 0.2, 1, 0.01), text("Resonance")
vslider bounds(300, 10, 30, 100), channel("drive"), range(0, 10, 2.5)
nslider bounds(340, 10, 60, 25), channel("detune"), range(-12, 12, 0, 1, 1)
combobox bounds(10, 90, 100, 25), channel("wave"), items("Saw", "Square", "Tri"), value(2)
checkbox bounds(120, 90, 80, 20), channel("on"), text("On"), value(1)
button bounds(210, 90, 60, 25), channel("trig"), text("off", "on"), latched(1)
xypad bounds(280, 120, 120, 120), channel("x", "y"), rangex(0, 1, 0.25), rangey(100, 200, 150)
hrange bounds(10, 250, 200, 20), channel("low", "high"), range(0, 1, 0.2:0.8, 1, 0.001)
groupbox bounds(10, 130, 260, 110), text("Envelope") {
  rslider bounds(10, 25, 60, 60), channel("attack"), range(0.001, 2, 0.01, 0.5), text("Attack")
  rslider bounds(80, 25, 60, 60), channel("hidden"), range(0, 1, 0.5), automatable(0)
}
keyboard bounds(10, 275, 400, 20)
label bounds(220, 250, 100, 20), text("Hello")
image bounds(0, 0, 420, 5), colour("orange")
csoundoutput bounds(330, 250, 80, 40)
filebutton bounds(220, 270, 60, 20), channel("file"), text("Open")
soundfiler bounds(0, 0, 10, 10)
</Cabbage>
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
