//! Whether bytes are a picture of a format: PNG or JPEG, decoded in full (with bounded memory), so
//! that a truncated or corrupt file is told apart from a good one.

/// The picture formats the emulator decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
}

/// Widest or tallest picture decoded (pictures are watermarks and backgrounds of a mix of at
/// most 1920×1080; the bound keeps a small file from asking for a huge buffer).
const MAX_SIDE: usize = 8192;

impl Format {
    /// The format a file suffix names (`png`, `jpg`, `jpeg`, any case).
    pub fn of_suffix(suffix: &str) -> Option<Self> {
        match suffix.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            _ => None,
        }
    }

    /// The format the bytes' signature says, if any.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else {
            None
        }
    }

    /// The picture's width and height when `bytes` decode in full as this format.
    pub fn decode(self, bytes: &[u8]) -> Result<(u32, u32), String> {
        match self {
            Self::Png => decode_png(bytes),
            Self::Jpeg => decode_jpeg(bytes),
        }
    }
}

fn decode_png(bytes: &[u8]) -> Result<(u32, u32), String> {
    let limits = png::Limits { bytes: MAX_SIDE * MAX_SIDE };
    let decoder = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let (width, height) = reader.info().size();
    if width as usize > MAX_SIDE || height as usize > MAX_SIDE {
        return Err(format!("{width}x{height} is larger than {MAX_SIDE}x{MAX_SIDE}"));
    }
    let size = reader.output_buffer_size().ok_or("the picture is too large to decode")?;
    let mut buf = vec![0; size];
    reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    Ok((width, height))
}

fn decode_jpeg(bytes: &[u8]) -> Result<(u32, u32), String> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default().set_max_width(MAX_SIDE).set_max_height(MAX_SIDE).set_strict_mode(true);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode().map_err(|e| e.to_string())?;
    let (width, height) = decoder.dimensions().ok_or("no picture size")?;
    Ok((u32::try_from(width).unwrap_or(u32::MAX), u32::try_from(height).unwrap_or(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::Format;

    /// A 1×1 grey PNG and a 1×1 JPEG, as written by common encoders.
    pub const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B, 0x55, 0x00, 0x00, 0x00,
        0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x48, 0xAF, 0xA4,
        0x71, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn a_png_decodes_as_png_only_and_truncation_fails() {
        assert_eq!(Format::sniff(PNG_1X1), Some(Format::Png));
        assert_eq!(Format::Png.decode(PNG_1X1), Ok((1, 1)));
        assert!(Format::Jpeg.decode(PNG_1X1).is_err());
        assert!(Format::Png.decode(&PNG_1X1[..PNG_1X1.len() - 20]).is_err());
        assert_eq!(Format::of_suffix("JPG"), Some(Format::Jpeg));
        assert_eq!(Format::of_suffix("gif"), None);
    }
}
