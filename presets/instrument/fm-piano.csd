<CsoundSynthesizer>
<CsPlugin>
; How the plugin plays this orchestra: MIDI notes become held i-events of instrument 1,
; with p4 = MIDI key and p5 = velocity 0..1.
notes = score
instrument = 1
pitch = key
velocity = unit
</CsPlugin>
<CsInstruments>
; FM electric piano in the style of the classic six-operator "tine" pianos:
;   body  = sine carrier phase-modulated 1:1, its index falls as the note decays,
;   tine  = a high 1:14 sideband pair that rings for a few tens of milliseconds,
;   bark  = extra modulation index from velocity, so hard notes are brighter.
; The amplitude decays naturally (higher keys faster) and fades out on note-off;
; a stereo tremolo (auto-pan) sits on the output.
; Every chn_k line is a plugin parameter (see poly-synth.csd for the fields).
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

chn_k "brightness", 1, 2, 0.5,  0,    1,   0, 0, 0, 0, "label=Brightness; group=Tone"
chn_k "tine",       1, 2, 0.5,  0,    1,   0, 0, 0, 0, "label=Tine; group=Tone"
chn_k "velsens",    1, 2, 0.7,  0,    1,   0, 0, 0, 0, "label=Velocity sensitivity; group=Tone"
chn_k "decay",      1, 3, 4,    0.3,  12,  0, 0, 0, 0, "label=Decay; unit=s; group=Envelope"
chn_k "release",    1, 3, 0.35, 0.02, 4,   0, 0, 0, 0, "label=Release; unit=s; group=Envelope"
chn_k "tremdepth",  1, 2, 0.25, 0,    1,   0, 0, 0, 0, "label=Tremolo depth; group=Tremolo"
chn_k "tremrate",   1, 3, 4.5,  0.1,  12,  0, 0, 0, 0, "label=Tremolo rate; unit=Hz; group=Tremolo"
chn_k "volume",     1, 2, 0,    -60,  6,   0, 0, 0, 0, "label=Volume; unit=dB; group=Output"

giSine ftgen 0, 0, 16384, 10, 1

instr 1
  ikey = p4
  icps = cpsmidinn(ikey)
  ivsens = chnget:i("velsens")
  ivel = p5
  iamp = (1 - ivsens) + ivsens * ivel                  ; loudness follows velocity
  ibright = chnget:i("brightness")
  itine = chnget:i("tine")
  ikeyscale = 2 ^ (-(ikey - 60) / 30)                  ; higher keys: shorter, less index
  idec = chnget:i("decay") * ikeyscale
  irel = chnget:i("release")

  kbend chnget "MIDI_PITCH_BEND"
  kvol chnget "volume"
  ktdepth chnget "tremdepth"
  ktrate chnget "tremrate"
  kcps = icps * semitone(2 * kbend)

  ; body: 1:1 FM, index from brightness and velocity, falling over the first second
  iidx = (0.15 + 1.6 * ibright) * ((1 - ivsens) * 0.6 + ivsens * ivel ^ 1.5 * 1.3 + 0.1) * sqrt(ikeyscale)
  kidx expseg 1, 0.08, 0.6, idec * 0.5, 0.2
  abody foscili 1, kcps, 1, 1, iidx * kidx, giSine
  ; a second, very slightly detuned body for a bit of beating
  abody2 foscili 1, kcps * cent(3), 1, 1, iidx * kidx * 0.5, giSine

  ; tine: fast-decaying 1:14 ring (carrier one octave up keeps it bell-like)
  itinedec = 0.06 + 0.1 * (1 - ibright)
  atenv expseg 1, itinedec, 0.02, 0.3, 0.001
  atine foscili itine * (0.25 + 0.75 * ivel) * 0.35, kcps * 2, 1, 7, 1.2 + 2 * ibright, giSine

  ; amplitude: 2 ms attack, natural exponential decay, release-aware fade on note-off
  aatk linseg 0, 0.002, 1
  adecay expseg 1, idec, 0.001
  arel madsr 0.001, 0, 1, irel
  asig = (abody * 0.6 + abody2 * 0.4 + atine * atenv) * aatk * adecay * arel * iamp
  asig = asig * 0.2 * ampdbfs(kvol)

  ; stereo tremolo (auto-pan)
  ktrem oscili ktdepth, ktrate, giSine, 0.25
  outs asig * (1 - 0.5 * ktrem), asig * (1 + 0.5 * ktrem)
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
