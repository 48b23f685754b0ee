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
; Synthesized drum kit, General MIDI layout from key 35 to 59:
;   35/36 kick, 37 rim, 38/40 snare, 39 clap, 41/43/45/47/48/50 toms,
;   42 closed hat, 44 pedal hat, 46 open hat, 49/57 crash, 52 china, 55 splash,
;   51/59 ride, 53 ride bell, 54 tambourine, 56 cowbell, 58 shaker.
; Every other key plays the drum of the 36..47 octave with the same key mod 12,
; tuned up (or down) by 0.35 octave per octave, so the whole keyboard is playable.
; Instrument 1 only picks the drum and schedules it as a one-shot (drums ignore
; note-off, except that a closed or pedal hat chokes a ringing open hat).
; Every chn_k line is a plugin parameter (see poly-synth.csd for the fields).
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1

chn_k "tune",      1, 2, 0,    -12,  12,  0, 0, 0, 0, "label=Tune; unit=st; group=Kit"
chn_k "decay",     1, 3, 1,    0.3,  2.5, 0, 0, 0, 0, "label=Decay; unit=x; group=Kit"
chn_k "kicktune",  1, 2, 0,    -12,  12,  0, 0, 0, 0, "label=Kick tune; unit=st; group=Kick"
chn_k "kickpunch", 1, 2, 0.5,  0,    1,   0, 0, 0, 0, "label=Kick punch; group=Kick"
chn_k "snappy",    1, 2, 0.5,  0,    1,   0, 0, 0, 0, "label=Snare snappy; group=Snare"
chn_k "tomtune",   1, 2, 0,    -12,  12,  0, 0, 0, 0, "label=Tom tune; unit=st; group=Toms"
chn_k "hatdecay",  1, 3, 1,    0.3,  2.5, 0, 0, 0, 0, "label=Hat decay; unit=x; group=Cymbals"
chn_k "drive",     1, 2, 0.2,  0,    1,   0, 0, 0, 0, "label=Drive; group=Output"
chn_k "volume",    1, 2, 0,    -60,  6,   0, 0, 0, 0, "label=Volume; unit=dB; group=Output"

giSine ftgen 0, 0, 16384, 10, 1

; GM keys 35..59: drum instrument, variant (tom pitch in Hz, cymbal kind...), pan 0..1
giDrum[] fillarray 10, 10, 18, 11, 12, 11, 15, 13, 15, 13, 15, 14, 15, 15, 16, 15, 17, 16, 17, 20, 16, 19, 16, 20, 17
giVar[]  fillarray 0.85, 1, 0, 0, 0, 1, 72, 0, 86, 1, 102, 0, 121, 142, 0, 168, 0, 1, 1, 0, 2, 0, 0, 1, 0
giPan[]  fillarray 0.5, 0.5, 0.45, 0.48, 0.52, 0.48, 0.7, 0.62, 0.62, 0.62, 0.55, 0.62, 0.45, 0.4, 0.3, 0.33, 0.72, 0.25, 0.72, 0.6, 0.3, 0.56, 0.75, 0.4, 0.72

; output stage shared by all drums: optional tanh drive, equal-power pan onto the
; kit bus (instrument 99 soft-limits the bus and applies the volume)
#define DRUMOUT(SIG'PAN) #
  kdrive chnget "drive"
  kgain = 0.3 + 4 * kdrive
  adrum = tanh(($SIG) * kgain) / tanh(kgain)
  gaKitL = gaKitL + adrum * cos(($PAN) * $M_PI_2)
  gaKitR = gaKitR + adrum * sin(($PAN) * $M_PI_2)
#

gaKitL init 0
gaKitR init 0

instr 1
  ikey = p4
  if ikey >= 35 && ikey <= 59 then
    ik = ikey
    ioct = 0
  else
    ik = 36 + (ikey % 12)
    ioct = floor((ikey - 36) / 12)
  endif
  iratio = 2 ^ (0.35 * ioct) * semitone(chnget:i("tune"))
  iamp = (0.1 + 0.9 * p5) ^ 1.3
  event_i "i", giDrum[ik - 35], 0, 1, iamp, iratio, giVar[ik - 35], giPan[ik - 35]
endin

; p4 amplitude, p5 tuning ratio, p6 variant, p7 pan; each sets its own p3.
; Every amplitude envelope starts with a 1-2 ms rise and ends with a short fade.

instr 10 ; kick (p6: pitch factor)
  idec = 0.45 * chnget:i("decay")
  ipunch = chnget:i("kickpunch")
  ifreq = 52 * p6 * p5 * semitone(chnget:i("kicktune"))
  p3 = idec * 2 + 0.05
  kf expseg ifreq * (2 + 5 * ipunch), 0.012 + 0.02 * (1 - ipunch), ifreq * 1.3, idec, ifreq
  aenv expseg 0.001, 0.0015, 1, idec * 2, 0.0001
  a1 oscili 1, kf, giSine
  aclk rand 1
  aclk butterbp aclk, 3500, 3000
  acenv expseg 0.001, 0.001, 1, 0.012, 0.001, 1, 0.001
  afade linseg 1, p3 - 0.01, 1, 0.01, 0
  asig = (a1 * aenv + aclk * acenv * 0.35 * ipunch) * afade * p4 * 0.85
  $DRUMOUT(asig'p7)
endin

instr 11 ; snare (p6: 1 = brighter, tighter)
  idec = chnget:i("decay")
  isnap = chnget:i("snappy")
  ifreq = (180 + 20 * p6) * p5
  p3 = 0.5 * idec + 0.05
  kf expseg ifreq * 1.4, 0.02, ifreq, 1, ifreq
  a1 oscili 1, kf, giSine
  a2 oscili 0.6, kf * 1.78, giSine
  atenv expseg 0.001, 0.0015, 1, 0.12 * idec, 0.001, 1, 0.001
  an rand 1
  an butterhp an, 1200 + 600 * p6
  an butterlp an, 9000
  anenv expseg 0.001, 0.002, 1, 0.22 * idec * (0.6 + 0.8 * isnap), 0.001, 1, 0.001
  afade linseg 1, p3 - 0.01, 1, 0.01, 0
  asig = ((a1 + a2) * atenv * (1 - 0.5 * isnap) * 0.6 + an * anenv * (0.2 + 0.6 * isnap)) * afade * p4
  $DRUMOUT(asig'p7)
endin

instr 12 ; clap: three quick bursts and a short tail of band-passed noise
  idec = chnget:i("decay")
  p3 = 0.35 * idec + 0.06
  an rand 1
  an butterbp an, 1150 * sqrt(p5), 900
  ab linseg 0, 0.001, 1, 0.008, 0.1, 0.001, 0.9, 0.008, 0.1, 0.001, 0.8, 0.009, 0
  at expseg 0.0001, 0.026, 0.0001, 0.004, 0.7, 0.25 * idec, 0.0001, 1, 0.0001
  afade linseg 1, p3 - 0.01, 1, 0.01, 0
  asig = an * (ab + at) * afade * p4 * 1.6
  $DRUMOUT(asig'p7)
endin

; metallic source for hats and cymbals: six detuned squares (TR-808 style)
#define METAL(OUT'RATIO) #
  $OUT.m1 vco2 1, 205.3 * ($RATIO), 10
  $OUT.m2 vco2 1, 304.4 * ($RATIO), 10
  $OUT.m3 vco2 1, 369.6 * ($RATIO), 10
  $OUT.m4 vco2 1, 522.7 * ($RATIO), 10
  $OUT.m5 vco2 1, 540 * ($RATIO), 10
  $OUT.m6 vco2 1, 800 * ($RATIO), 10
  $OUT = ($OUT.m1 + $OUT.m2 + $OUT.m3 + $OUT.m4 + $OUT.m5 + $OUT.m6) / 6
#

instr 13 ; closed hat (p6: 0 closed, 1 pedal); chokes the open hat
  turnoff2 14, 0, 1
  idec = 0.06 * (1 + p6) * chnget:i("hatdecay") * chnget:i("decay")
  p3 = idec * 3 + 0.03
  irat = sqrt(p5) * 1.7
  $METAL(am'irat)
  an rand 0.5
  asig butterhp am + an, 7000
  asig butterhp asig, 7000
  aenv expseg 0.001, 0.001, 1, idec * 3, 0.0001
  afade linseg 1, p3 - 0.005, 1, 0.005, 0
  $DRUMOUT(asig * aenv * afade * p4 * 0.9'p7)
endin

instr 14 ; open hat (fades out quickly when choked by a closed hat)
  idec = 0.4 * chnget:i("hatdecay") * chnget:i("decay")
  p3 = idec * 3 + 0.03
  irat = sqrt(p5) * 1.7
  $METAL(am'irat)
  an rand 0.5
  asig butterhp am + an, 6500
  asig butterhp asig, 6500
  aenv expseg 0.001, 0.0015, 1, idec * 3, 0.0001
  achoke linsegr 1, p3, 1, 0.03, 0
  $DRUMOUT(asig * aenv * achoke * p4 * 0.75'p7)
endin

instr 15 ; tom (p6: base pitch in Hz)
  idec = 0.35 * chnget:i("decay") * (120 / p6) ^ 0.4
  ifreq = p6 * p5 * semitone(chnget:i("tomtune"))
  p3 = idec * 2.5 + 0.05
  kf expseg ifreq * 1.6, 0.04, ifreq, idec * 2, ifreq * 0.92
  a1 oscili 1, kf, giSine
  a2 oscili 0.3, kf * 1.51, giSine
  aenv expseg 0.001, 0.002, 1, idec * 2.5, 0.0001
  an rand 1
  an butterbp an, ifreq * 6, ifreq * 4
  anenv expseg 0.001, 0.001, 1, 0.05, 0.001, 1, 0.001
  afade linseg 1, p3 - 0.01, 1, 0.01, 0
  asig = (a1 + a2 * aenv) * aenv * 0.8 + an * anenv * 0.25
  $DRUMOUT(asig * afade * p4'p7)
endin

instr 16 ; crash (p6: 0 crash, 1 china, 2 splash)
  idec = (p6 == 0 ? 1.6 : (p6 == 1 ? 1.1 : 0.6)) * chnget:i("decay")
  p3 = idec + 0.05
  irat = sqrt(p5) * (p6 == 1 ? 2.6 : 2.2)
  $METAL(am'irat)
  $METAL(am2'irat * 1.41)
  an rand 0.6
  asig = am + am2 * 0.7 + an
  asig butterhp asig, 4000 + 1500 * p6
  asig butterhp asig, 3000
  asig butterbp asig, 8000, (p6 == 1 ? 4000 : 10000)
  aenv expseg 0.001, 0.003, 1, 0.05, 0.5, idec, 0.0001
  afade linseg 1, p3 - 0.01, 1, 0.01, 0
  $DRUMOUT(asig * aenv * afade * p4 * 1.1'p7)
endin

instr 17 ; ride (p6: 0 ride, 1 bell)
  idec = (p6 == 0 ? 1.4 : 1.2) * chnget:i("decay")
  p3 = idec + 0.05
  irat = sqrt(p5)
  ap1 oscili 1, 2600 * irat, giSine
  ap2 oscili 0.8, 3980 * irat, giSine
  ap3 oscili 0.6, 5310 * irat, giSine
  $METAL(am'irat * 3)
  an rand 0.3
  anoise butterhp am * 0.5 + an, 6000
  abell = (ap1 + ap2 + ap3) * (0.12 + 0.35 * p6)
  aenv expseg 0.001, 0.002, 1, 0.08, 0.6, idec, 0.0001
  afade linseg 1, p3 - 0.01, 1, 0.01, 0
  $DRUMOUT((abell + anoise * 0.6) * aenv * afade * p4 * 0.7'p7)
endin

instr 18 ; rim shot / side stick
  idec = 0.035 * chnget:i("decay")
  p3 = idec * 3 + 0.02
  a1 oscili 1, 1700 * p5, giSine
  a2 oscili 0.5, 820 * p5, giSine
  an rand 1
  an butterbp an, 3000 * p5, 2000
  aenv expseg 0.001, 0.001, 1, idec * 3, 0.0001
  afade linseg 1, p3 - 0.005, 1, 0.005, 0
  $DRUMOUT((a1 * 0.5 + a2 + an * 0.6) * aenv * afade * p4 * 0.7'p7)
endin

instr 19 ; cowbell
  idec = 0.25 * chnget:i("decay")
  p3 = idec * 2 + 0.03
  a1 vco2 1, 540 * p5, 10
  a2 vco2 1, 800 * p5, 10
  asig butterbp a1 + a2, 2640 * p5, 1500
  asig butterhp asig, 400
  aenv expseg 0.001, 0.0015, 1, 0.03, 0.5, idec * 2, 0.0001
  afade linseg 1, p3 - 0.01, 1, 0.01, 0
  $DRUMOUT(asig * aenv * afade * p4 * 0.9'p7)
endin

instr 20 ; tambourine (p6 = 0) or shaker (p6 = 1)
  idec = (0.22 + 0.06 * p6) * chnget:i("decay")
  p3 = idec * 2 + 0.05
  an rand 1
  an butterhp an, 6000 - 2000 * p6
  ajing oscili 0.5, 23 * sqrt(p5), giSine
  aenv expseg 0.001, 0.002 + 0.03 * p6, 1, idec * 2, 0.0001
  afade linseg 1, p3 - 0.01, 1, 0.01, 0
  $DRUMOUT(an * aenv * (0.7 + ajing * (1 - p6)) * afade * p4 * 0.6'p7)
endin

instr 99 ; kit bus: volume and a soft limiter (tanh, ceiling 0.8), so hits that land
         ; together stay below full scale
  kvol chnget "volume"
  aL = gaKitL * ampdbfs(kvol)
  aR = gaKitR * ampdbfs(kvol)
  outs 0.8 * tanh(aL / 0.8), 0.8 * tanh(aR / 0.8)
  clear gaKitL, gaKitR
endin
alwayson 99
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
