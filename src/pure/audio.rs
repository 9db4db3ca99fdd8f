//! Audio the speech actions return and read: a deterministic voice-like tone as 16-bit mono
//! samples, written as WAV (through `hound`), raw PCM, MP3 (MPEG-2/2.5 Layer III) or Ogg Opus;
//! and the probes that tell the duration of an uploaded WAV, MP3 or M4A.
//!
//! MP3 and Opus are written by small bitstream writers of our own: the encoder crates build
//! libmp3lame or libopus with autotools or cmake (and libmp3lame is LGPL), which a machine with
//! only a C compiler and the static release build cannot take. The writers put one spectral line
//! per MP3 granule (a tone at the segment's pitch, which any Layer III decoder plays) and, in
//! Opus, CELT frames whose payload is seeded noise (any CELT payload decodes), in frames and
//! pages that follow RFC 6716 / RFC 7845 to the bit, so standard decoders read every frame and
//! the duration is exact.

use super::hash::{mix, unit};

/// What to synthesize: `duration_ms` of a voice-like tone at `sample_rate`.
#[derive(Debug, Clone, Copy)]
pub struct Voice {
    /// The seed of everything that varies (pitch contour, noise).
    pub seed: u64,
    pub sample_rate: u32,
    pub duration_ms: u64,
    /// The base pitch in Hz.
    pub pitch_hz: f64,
    /// Peak amplitude in 0..=1.
    pub amplitude: f64,
}

/// Milliseconds of one syllable-like segment of the tone.
const SEGMENT_MS: u64 = 200;

impl Voice {
    fn samples(&self) -> u64 {
        self.duration_ms * u64::from(self.sample_rate) / 1000
    }

    /// The pitch of segment `i`: the base pitch moved by up to ±20 %, seeded.
    fn segment_hz(&self, i: u64) -> f64 {
        self.pitch_hz * (0.8 + 0.4 * unit(mix(self.seed, &[0x5e9, i])))
    }

    /// The 16-bit mono samples: each segment a sine at its pitch under a raised-cosine envelope.
    pub fn pcm(&self) -> Vec<i16> {
        let rate = f64::from(self.sample_rate);
        let per_segment = (SEGMENT_MS * u64::from(self.sample_rate) / 1000).max(1);
        (0..self.samples())
            .map(|n| {
                let segment = n / per_segment;
                let at = (n % per_segment) as f64 / per_segment as f64;
                let envelope = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * at).cos();
                let phase = 2.0 * std::f64::consts::PI * self.segment_hz(segment) * n as f64 / rate;
                let v = self.amplitude * (0.3 + 0.7 * envelope) * phase.sin();
                (v * f64::from(i16::MAX)).round() as i16
            })
            .collect()
    }
}

/// Little-endian 16-bit PCM.
pub fn pcm_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// A RIFF WAVE file of 16-bit mono samples.
pub fn wav(samples: &[i16], sample_rate: u32) -> Vec<u8> {
    let spec =
        hound::WavSpec { channels: 1, sample_rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut out = std::io::Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    // Writing into memory fails only on sizes past 4 GiB, which the text limits rule out.
    if let Ok(mut writer) = hound::WavWriter::new(&mut out, spec) {
        for s in samples {
            let _ = writer.write_sample(*s);
        }
        let _ = writer.finalize();
    }
    out.into_inner()
}

// ---- MP3 ----------------------------------------------------------------------------------

/// Samples in one MPEG-2/2.5 Layer III frame (one granule).
pub const MP3_FRAME_SAMPLES: u64 = 576;

/// The Layer III bitrates (kbps) of MPEG-2 and 2.5, by bitrate index.
const LSF_BITRATES: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

/// The highest bitrate MPEG-2/2.5 Layer III has at or under `kbps` (160 at most).
pub fn mp3_bitrate(kbps: u32) -> u32 {
    LSF_BITRATES.iter().copied().filter(|b| *b > 0 && *b <= kbps).max().unwrap_or(8)
}

struct Bits {
    bytes: Vec<u8>,
    used: usize,
}

impl Bits {
    fn new() -> Self {
        Self { bytes: Vec::new(), used: 0 }
    }

    fn put(&mut self, value: u32, width: u32) {
        for i in (0..width).rev() {
            if self.used % 8 == 0 {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                let last = self.bytes.len() - 1;
                self.bytes[last] |= 0x80 >> (self.used % 8);
            }
            self.used += 1;
        }
    }
}

/// An MP3 of `voice`: MPEG-2 Layer III at 16 and 24 kHz, MPEG-2.5 at 8 kHz, mono, constant
/// bitrate `kbps` (see [`mp3_bitrate`]). Each frame holds one spectral line at the pitch of the
/// segment it falls in, Huffman-coded with table 1, its loudness in the global gain.
pub fn mp3(voice: &Voice, kbps: u32) -> Vec<u8> {
    let rate = voice.sample_rate;
    let (version, rate_index) = match rate {
        24_000 => (0b10, 0b01),
        16_000 => (0b10, 0b10),
        22_050 => (0b10, 0b00),
        12_000 => (0b00, 0b01),
        11_025 => (0b00, 0b00),
        _ => (0b00, 0b10), // 8 kHz, MPEG-2.5
    };
    let kbps = mp3_bitrate(kbps);
    let bitrate_index = LSF_BITRATES.iter().position(|b| *b == kbps).unwrap_or(8) as u32;
    let frame_bytes = (72_000 * kbps / rate) as usize;
    let frames = voice.samples().div_ceil(MP3_FRAME_SAMPLES);
    // xr = 2^((gain - 210) / 4) for a line of value 1: gain 206 puts it at half scale.
    let loudness = (voice.amplitude.clamp(0.01, 1.0).log2() * 4.0).round() as i32;
    let global_gain = (206 + loudness).clamp(150, 255) as u32;
    let per_segment = (SEGMENT_MS * u64::from(rate) / 1000).max(1);
    let mut out = Vec::with_capacity(frames as usize * frame_bytes);
    for f in 0..frames {
        let segment = f * MP3_FRAME_SAMPLES / per_segment;
        // Line k sits at (k + ½) · rate / 1152 Hz.
        let line = (voice.segment_hz(segment) * 1152.0 / f64::from(rate) - 0.5).round().clamp(1.0, 500.0) as u32;
        let mut bits = Bits::new();
        // Header: sync, version, Layer III, no CRC, bitrate, rate, no padding, mono.
        bits.put(0x7ff, 11);
        bits.put(version, 2);
        bits.put(0b01, 2);
        bits.put(1, 1);
        bits.put(bitrate_index, 4);
        bits.put(rate_index, 2);
        bits.put(0, 1);
        bits.put(0, 1);
        bits.put(0b11, 2);
        bits.put(0, 2);
        bits.put(0, 1);
        bits.put(1, 1);
        bits.put(0, 2);
        // Huffman data (table 1): pairs of zeros ("1") up to the line's pair, then the pair
        // holding a 1 ((1,0) "01" or (0,1) "001") and its sign bit.
        let pair = line / 2;
        let part2_3_length = pair + if line % 2 == 0 { 3 } else { 4 };
        // Side information, MPEG-2 mono (72 bits): main_data_begin, private bits, one granule.
        bits.put(0, 8);
        bits.put(0, 1);
        bits.put(part2_3_length, 12);
        bits.put(pair + 1, 9);
        bits.put(global_gain, 8);
        bits.put(0, 9); // scalefac_compress: no scale factors
        bits.put(0, 1); // long blocks
        bits.put(1, 5);
        bits.put(1, 5);
        bits.put(1, 5);
        bits.put(0, 4);
        bits.put(0, 3);
        bits.put(0, 1);
        bits.put(0, 1);
        for _ in 0..pair {
            bits.put(1, 1);
        }
        if line % 2 == 0 {
            bits.put(0b01, 2);
        } else {
            bits.put(0b001, 3);
        }
        bits.put(0, 1);
        let mut frame = bits.bytes;
        frame.resize(frame_bytes, 0);
        out.extend_from_slice(&frame);
    }
    out
}

// ---- Ogg Opus -----------------------------------------------------------------------------

/// Samples (at 48 kHz) the decoder drops at the start, as RFC 7845 recommends for CELT.
pub const OPUS_PRE_SKIP: u16 = 312;
/// One CELT fullband 20 ms frame, mono, one frame per packet (RFC 6716 §3.1: config 31).
const OPUS_TOC: u8 = 31 << 3;
/// Packets in one Ogg page.
const PACKETS_PER_PAGE: usize = 50;

fn ogg_crc(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for byte in data {
        crc ^= u32::from(*byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04c1_1db7 } else { crc << 1 };
        }
    }
    crc
}

fn ogg_page(out: &mut Vec<u8>, kind: u8, granule: u64, serial: u32, sequence: u32, packets: &[Vec<u8>]) {
    let start = out.len();
    out.extend_from_slice(b"OggS");
    out.push(0);
    out.push(kind);
    out.extend_from_slice(&granule.to_le_bytes());
    out.extend_from_slice(&serial.to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    let mut lacing = Vec::new();
    for p in packets {
        lacing.extend(std::iter::repeat_n(255u8, p.len() / 255));
        lacing.push((p.len() % 255) as u8);
    }
    out.push(lacing.len() as u8);
    out.extend_from_slice(&lacing);
    for p in packets {
        out.extend_from_slice(p);
    }
    let crc = ogg_crc(&out[start..]);
    out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
}

/// An Ogg Opus file of `voice` (RFC 7845): OpusHead, OpusTags, then 20 ms CELT packets of
/// `kbps` whose last page's granule position ends the stream at exactly the voice's duration.
pub fn ogg_opus(voice: &Voice, kbps: u32) -> Vec<u8> {
    let serial = (voice.seed as u32) | 1;
    let mut out = Vec::new();
    let mut head = b"OpusHead".to_vec();
    head.push(1);
    head.push(1);
    head.extend_from_slice(&OPUS_PRE_SKIP.to_le_bytes());
    head.extend_from_slice(&voice.sample_rate.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes());
    head.push(0);
    ogg_page(&mut out, 0x02, 0, serial, 0, &[head]);
    let vendor = b"trtc-mock";
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes());
    ogg_page(&mut out, 0, 0, serial, 1, &[tags]);
    let total = voice.duration_ms * 48;
    // The pre-skip is decoded and dropped: the packets cover it and the duration.
    let packets = (total + u64::from(OPUS_PRE_SKIP)).div_ceil(960);
    // kbps over 20 ms, less the TOC byte; within one lacing value.
    let payload = (kbps as usize * 20 / 8).saturating_sub(1).clamp(8, 254);
    let mut page: Vec<Vec<u8>> = Vec::new();
    let mut sequence = 2;
    for p in 0..packets {
        let mut packet = Vec::with_capacity(payload + 1);
        packet.push(OPUS_TOC);
        packet.extend((0..payload as u64).map(|i| (mix(voice.seed, &[0x0905, p, i]) >> 24) as u8));
        page.push(packet);
        let last = p + 1 == packets;
        if page.len() == PACKETS_PER_PAGE || last {
            // Samples decoded by the page's end, the pre-skip among them; the last page ends the
            // stream at the duration.
            let granule = if last { total + u64::from(OPUS_PRE_SKIP) } else { (p + 1) * 960 };
            ogg_page(&mut out, if last { 0x04 } else { 0 }, granule, serial, sequence, &page);
            sequence += 1;
            page.clear();
        }
    }
    out
}

// ---- probes -------------------------------------------------------------------------------

/// What a probe found in an uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub format: &'static str,
    pub sample_rate: u32,
    pub channels: u16,
    pub bits_per_sample: u16,
    pub duration_ms: u64,
    /// Milliseconds of 10 ms windows louder than silence (WAV only; others: all of it).
    pub voiced_ms: u64,
}

/// The duration and shape of a WAV, MP3 or M4A file; `None` when it is none of them or is
/// broken.
pub fn probe(bytes: &[u8]) -> Option<Probe> {
    if bytes.starts_with(b"RIFF") {
        probe_wav(bytes)
    } else if bytes.len() > 8 && &bytes[4..8] == b"ftyp" {
        probe_m4a(bytes)
    } else {
        probe_mp3(bytes)
    }
}

fn probe_wav(bytes: &[u8]) -> Option<Probe> {
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes)).ok()?;
    let spec = reader.spec();
    if spec.sample_rate == 0 || spec.channels == 0 {
        return None;
    }
    let frames = u64::from(reader.duration());
    let duration_ms = frames * 1000 / u64::from(spec.sample_rate);
    let mut voiced_ms = 0;
    if spec.sample_format == hound::SampleFormat::Int && spec.bits_per_sample == 16 {
        let window = (u64::from(spec.sample_rate) / 100 * u64::from(spec.channels)).max(1) as usize;
        let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>().ok()?;
        for chunk in samples.chunks(window) {
            let peak = chunk.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
            if peak > 300 {
                voiced_ms += 10;
            }
        }
    } else {
        voiced_ms = duration_ms;
    }
    Some(Probe {
        format: "wav",
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        bits_per_sample: spec.bits_per_sample,
        duration_ms,
        voiced_ms,
    })
}

/// Walks MPEG audio frames (after an ID3v2 tag) and adds up their samples; at least two frames
/// in a row must agree, so that stray bytes are not taken for audio.
fn probe_mp3(bytes: &[u8]) -> Option<Probe> {
    let mut at = 0usize;
    if bytes.starts_with(b"ID3") && bytes.len() >= 10 {
        let size = bytes[6..10].iter().fold(0usize, |acc, b| (acc << 7) | usize::from(b & 0x7f));
        at = 10 + size;
    }
    let (mut samples, mut frames, mut rate, mut channels) = (0u64, 0u64, 0u32, 1u16);
    while at + 4 <= bytes.len() {
        let h = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        if h >> 21 != 0x7ff {
            break;
        }
        let version = (h >> 19) & 3;
        let layer = (h >> 17) & 3;
        let bitrate_index = ((h >> 12) & 15) as usize;
        let rate_index = ((h >> 10) & 3) as usize;
        let padding = ((h >> 9) & 1) as usize;
        if version == 1 || layer != 1 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
            break;
        }
        const V1: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
        let base = [44_100u32, 48_000, 32_000][rate_index];
        let (r, kbps, per_frame, factor) = match version {
            3 => (base, V1[bitrate_index], 1152u64, 144u32),
            2 => (base / 2, LSF_BITRATES[bitrate_index], 576, 72),
            _ => (base / 4, LSF_BITRATES[bitrate_index], 576, 72),
        };
        let length = (factor * kbps * 1000 / r) as usize + padding;
        if length < 4 {
            break;
        }
        rate = r;
        channels = if (h >> 6) & 3 == 3 { 1 } else { 2 };
        samples += per_frame;
        frames += 1;
        at += length;
    }
    if frames < 2 || rate == 0 {
        return None;
    }
    let duration_ms = samples * 1000 / u64::from(rate);
    Some(Probe { format: "mp3", sample_rate: rate, channels, bits_per_sample: 16, duration_ms, voiced_ms: duration_ms })
}

/// The duration an MP4/M4A file's movie header states.
fn probe_m4a(bytes: &[u8]) -> Option<Probe> {
    fn boxes(data: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut at = 0usize;
        std::iter::from_fn(move || {
            let size = u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize;
            let kind = data.get(at + 4..at + 8)?;
            let body = data.get(at + 8..at.checked_add(size)?)?;
            if size < 8 {
                return None;
            }
            at += size;
            Some((kind, body))
        })
    }
    let moov = boxes(bytes).find(|(k, _)| *k == b"moov")?.1;
    let mvhd = boxes(moov).find(|(k, _)| *k == b"mvhd")?.1;
    let word =
        |at: usize| -> Option<u64> { Some(u64::from(u32::from_be_bytes(mvhd.get(at..at + 4)?.try_into().ok()?))) };
    let (scale, duration) = if mvhd.first() == Some(&1) {
        (word(20)?, u64::from_be_bytes(mvhd.get(24..32)?.try_into().ok()?))
    } else {
        (word(12)?, word(16)?)
    };
    if scale == 0 {
        return None;
    }
    let duration_ms = duration.checked_mul(1000)? / scale;
    Some(Probe { format: "m4a", sample_rate: 0, channels: 0, bits_per_sample: 0, duration_ms, voiced_ms: duration_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice(rate: u32, ms: u64) -> Voice {
        Voice { seed: 7, sample_rate: rate, duration_ms: ms, pitch_hz: 200.0, amplitude: 0.5 }
    }

    #[test]
    fn wav_probes_back_to_its_duration() {
        let v = voice(16_000, 2_500);
        let file = wav(&v.pcm(), 16_000);
        let p = probe(&file).unwrap();
        assert_eq!(
            (p.format, p.sample_rate, p.channels, p.bits_per_sample, p.duration_ms),
            ("wav", 16_000, 1, 16, 2_500)
        );
        assert!(p.voiced_ms > 2_000, "{p:?}");
    }

    #[test]
    fn mp3_frames_add_up_to_the_duration() {
        for rate in [8_000, 16_000, 24_000] {
            let file = mp3(&voice(rate, 3_000), 128);
            let p = probe(&file).unwrap();
            let frames = (3_000 * u64::from(rate) / 1000).div_ceil(576);
            assert_eq!(p.duration_ms, frames * 576 * 1000 / u64::from(rate));
            assert_eq!(p.sample_rate, rate);
        }
    }

    #[test]
    fn ogg_pages_carry_valid_crcs() {
        let file = ogg_opus(&voice(24_000, 1_000), 64);
        assert!(file.starts_with(b"OggS"));
        let mut zeroed = file[..28 + 19].to_vec();
        zeroed[22..26].fill(0);
        assert_eq!(ogg_crc(&zeroed).to_le_bytes(), file[22..26]);
    }
}
