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
; Plucked string (Karplus-Strong): a short noise burst, low-passed by Brightness and
; velocity and comb-filtered by the pick position, excites a tuned waveguide (wguide1)
; whose loop low-pass (Damping) and loop gain (Decay) shape the ring. The loop
; filter's phase delay is compensated so the string stays in tune when damped.
; Note-off mutes the string over Release; a little body resonance and a stereo
; spread (a few ms of delay on one side) finish it off; a soft limiter on the
; string bus keeps strummed chords below full scale.
; Every chn_k line is a plugin parameter (see poly-synth.csd for the fields).
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

chn_k "brightness", 1, 3, 3500, 300,  16000, 0, 0, 0, 0, "label=Brightness; unit=Hz; group=Excitation"
chn_k "pickpos",    1, 2, 0.2,  0.02, 0.5,   0, 0, 0, 0, "label=Pick position; group=Excitation"
chn_k "damping",    1, 2, 0.35, 0,    1,     0, 0, 0, 0, "label=Damping; group=String"
chn_k "decay",      1, 3, 5,    0.2,  15,    0, 0, 0, 0, "label=Decay; unit=s; group=String"
chn_k "body",       1, 2, 0.3,  0,    1,     0, 0, 0, 0, "label=Body; group=String"
chn_k "release",    1, 3, 0.15, 0.01, 3,     0, 0, 0, 0, "label=Release; unit=s; group=Envelope"
chn_k "width",      1, 2, 0.5,  0,    1,     0, 0, 0, 0, "label=Stereo width; group=Output"
chn_k "volume",     1, 2, 0,    -60,  6,     0, 0, 0, 0, "label=Volume; unit=dB; group=Output"

gaPluckL init 0
gaPluckR init 0

instr 1
  icps = cpsmidinn(p4)
  ivel = p5
  ibright = chnget:i("brightness")
  ipos = chnget:i("pickpos")
  idamp = chnget:i("damping")
  idecay = chnget:i("decay")
  ibody = chnget:i("body")
  irel = chnget:i("release")
  kwidth chnget "width"
  kvol chnget "volume"

  ; excitation: ~1 period of noise with a 1 ms rise, darker for soft notes; a random
  ; 0..12 ms onset makes chords strum instead of hitting on one sample
  istrum random 0, 0.012
  iexc = max(1 / icps, 0.003)
  aexc linseg 0, istrum, 0, 0.001, 1, iexc, 0
  anoise rand 1, 0.5
  aexc = anoise * aexc
  icut limit ibright * (0.25 + 0.75 * ivel), 100, sr * 0.45
  aexc butterlp aexc, icut
  aexc butterlp aexc, icut
  ; pick position: comb notch at multiples of 1 / (pos * period)
  adel delay aexc, ipos / icps
  aexc = aexc - adel

  ; loop filter cutoff relative to the pitch (4x .. 128x the fundamental)
  ilpf limit icps * 2 ^ (2 + 5 * (1 - idamp)), 50, sr * 0.45
  ; loop gain for a T60 of Decay seconds (higher strings ring a bit shorter)
  it60 = idecay * 2 ^ (-(p4 - 60) / 36)
  ifb = 0.001 ^ (1 / (icps * it60))
  ; tuning: the one-pole loop filter delays the fundamental by atan(f/fc)/(2 pi f)
  itau = taninv(icps / ilpf) / (2 * $M_PI * icps)
  iloop = 1 / (1 / icps - itau)
  kbend chnget "MIDI_PITCH_BEND"
  astr wguide1 aexc, iloop * semitone(2 * kbend), ilpf, ifb

  ; body: two broad resonances added to the string
  ab1 butterbp astr, 110, 60
  ab2 butterbp astr, 240, 120
  astr = astr + ibody * (ab1 * 2 + ab2 * 1.5)
  astr dcblock astr, 0.999

  arel madsr 0.001, 0, 1, irel
  asig = astr * arel * (0.3 + 0.7 * ivel) * 1.6 * ampdbfs(kvol)
  aR delay asig, 0.011
  gaPluckL = gaPluckL + asig
  gaPluckR = gaPluckR + asig * (1 - kwidth) + aR * kwidth
endin

instr 99 ; string bus: a soft limiter (tanh, ceiling 0.85) tames the pick transients
         ; of chords, so the strings can sit at a healthy level
  outs 0.85 * tanh(gaPluckL / 0.85), 0.85 * tanh(gaPluckR / 0.85)
  clear gaPluckL, gaPluckR
endin
alwayson 99
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
