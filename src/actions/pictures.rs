//! Pictures (CN): CreatePicture uploads a PNG or JPEG (base64, at most 2 MB) for the legacy MCU
//! mix's watermarks, backgrounds and placeholders; Describe lists them a page at a time,
//! Modify changes a picture's display box, Delete removes it. PictureIds rise by one per upload
//! of an SdkAppId and are never reused. [`check_picture`] is how the mixing actions refuse an
//! id the app never uploaded.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::pure::image::Format;
use crate::world::pictures::Picture;

/// Longest `Content`, in base64 characters (documented: "最大长度为2M").
pub const MAX_CONTENT: usize = 2 * 1024 * 1024;
const PAGE_SIZE: u64 = 10;

fn check_app(ctx: &Ctx<'_>, sdk_app_id: u64, missing: &'static str) -> ApiResult<()> {
    super::rules::app(ctx, sdk_app_id, missing, "InvalidParameter.SdkAppId")
}

fn content_failed(en: String, zh: String) -> ApiError {
    ApiError::business_with("InvalidParameter.CheckContentFailed", en, zh)
}

fn suffix_failed(en: String, zh: String) -> ApiError {
    ApiError::business_with("InvalidParameter.CheckSuffixFailed", en, zh)
}

fn name(format: Format) -> &'static str {
    match format {
        Format::Png => "PNG",
        Format::Jpeg => "JPEG",
    }
}

/// The picture `content` holds, checked against `suffix`: its size in bytes and pixels.
fn check_content(content: &str, suffix: &str) -> ApiResult<(usize, (u32, u32))> {
    let format = Format::of_suffix(suffix).ok_or_else(|| {
        suffix_failed(
            format!("`Suffix` {suffix:?} is not a picture format (png, jpg or jpeg)."),
            format!("后缀名校验失败：{suffix:?} 不是支持的图片格式（png、jpg、jpeg）。"),
        )
    })?;
    if content.is_empty() {
        return Err(content_failed("`Content` is empty.".into(), "图片内容为空。".into()));
    }
    if content.len() > MAX_CONTENT {
        return Err(content_failed(
            format!("Picture too large: `Content` is {} characters of base64, over {MAX_CONTENT}.", content.len()),
            format!("图片过大：Content 长度 {}，超过 {MAX_CONTENT}。", content.len()),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(content).map_err(|e| {
        content_failed(format!("`Content` is not base64: {e}."), format!("图片内容不是 base64 编码：{e}。"))
    })?;
    if let Some(actual) = Format::sniff(&bytes)
        && actual != format
    {
        return Err(suffix_failed(
            format!("`Content` is a {} picture, not the {} its suffix {suffix:?} says.", name(actual), name(format)),
            format!("后缀名校验失败：图片内容为 {}，与后缀 {suffix:?} 不符。", name(actual)),
        ));
    }
    let pixels = format.decode(&bytes).map_err(|e| {
        content_failed(
            format!("`Content` does not decode as a {} picture: {e}.", name(format)),
            format!("图片内容无法按 {} 解码：{e}。", name(format)),
        )
    })?;
    Ok((bytes.len(), pixels))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePictureInput {
    pub sdk_app_id: u64,
    pub content: String,
    pub suffix: String,
    pub height: u64,
    pub width: u64,
    pub x_position: u64,
    pub y_position: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePictureOutput {
    pub picture_id: u64,
}

/// Uploads a picture.
pub fn create_picture(ctx: &Ctx<'_>, input: CreatePictureInput) -> ApiResult<CreatePictureOutput> {
    check_app(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    let (bytes, pixels) = check_content(&input.content, &input.suffix)?;
    let picture = Picture {
        id: 0,
        suffix: input.suffix.to_ascii_lowercase(),
        bytes,
        pixels,
        width: input.width,
        height: input.height,
        x: input.x_position,
        y: input.y_position,
        created_at: ctx.now,
    };
    Ok(CreatePictureOutput { picture_id: ctx.world.add_picture(input.sdk_app_id, picture) })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePictureInput {
    pub sdk_app_id: u64,
    pub picture_id: Option<u64>,
    pub page_size: Option<u64>,
    pub page_no: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PictureInfo {
    pub height: u64,
    pub width: u64,
    pub x_position: u64,
    pub y_position: u64,
    pub sdk_app_id: u64,
    pub picture_id: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePictureOutput {
    pub total: u64,
    pub picture_info: Vec<PictureInfo>,
}

/// One page of the app's pictures (or the one named), oldest first; `Total` counts them all.
pub fn describe_picture(ctx: &Ctx<'_>, input: DescribePictureInput) -> ApiResult<DescribePictureOutput> {
    check_app(ctx, input.sdk_app_id, "MissingParameter")?;
    let size = input.page_size.unwrap_or(PAGE_SIZE);
    let page = input.page_no.unwrap_or(1);
    if size == 0 || page == 0 {
        let name = if size == 0 { "PageSize" } else { "PageNo" };
        return Err(ApiError::business_with(
            "InvalidParameter",
            format!("`{name}` is 0; pages are numbered from 1 and hold at least one picture."),
            format!("参数 {name} 为 0：页码从 1 开始，每页至少一张图片。"),
        ));
    }
    let all: Vec<Picture> = ctx
        .world
        .pictures(input.sdk_app_id)
        .into_iter()
        .filter(|p| input.picture_id.is_none_or(|id| p.id == id))
        .collect();
    let skip = (page - 1).checked_mul(size).and_then(|n| usize::try_from(n).ok()).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(usize::MAX);
    let picture_info = all
        .iter()
        .skip(skip)
        .take(take)
        .map(|p| PictureInfo {
            height: p.height,
            width: p.width,
            x_position: p.x,
            y_position: p.y,
            sdk_app_id: input.sdk_app_id,
            picture_id: p.id,
        })
        .collect();
    Ok(DescribePictureOutput { total: all.len() as u64, picture_info })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyPictureInput {
    pub picture_id: u64,
    pub sdk_app_id: u64,
    pub height: Option<u64>,
    pub width: Option<u64>,
    pub x_position: Option<u64>,
    pub y_position: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

fn not_found(code: &'static str, id: u64) -> ApiError {
    ApiError::business_with(
        code,
        format!("Picture not found: this SdkAppId has no picture {id}."),
        format!("待操作的图片未找到：该应用下没有图片 {id}。"),
    )
}

/// Changes the display box of a picture (the members given; the others stay).
pub fn modify_picture(ctx: &Ctx<'_>, input: ModifyPictureInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id, "MissingParameter")?;
    let changed = ctx.world.modify_picture(input.sdk_app_id, input.picture_id, |p| {
        p.height = input.height.unwrap_or(p.height);
        p.width = input.width.unwrap_or(p.width);
        p.x = input.x_position.unwrap_or(p.x);
        p.y = input.y_position.unwrap_or(p.y);
    });
    // ModifyPicture's documented codes have no PictureNotFound: its InvalidParameter says it.
    if changed { Ok(Empty {}) } else { Err(not_found("InvalidParameter", input.picture_id)) }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletePictureInput {
    pub picture_id: u64,
    pub sdk_app_id: u64,
}

pub fn delete_picture(ctx: &Ctx<'_>, input: DeletePictureInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id, "MissingParameter")?;
    if ctx.world.delete_picture(input.sdk_app_id, input.picture_id) {
        Ok(Empty {})
    } else {
        Err(not_found("InvalidParameter.PictureNotFound", input.picture_id))
    }
}

/// `Ok` when `id` is 0 (none given) or a picture the app uploaded; `code` and `member` say how
/// the action refuses another.
pub fn check_picture(ctx: &Ctx<'_>, app: u64, id: u64, code: &'static str, member: &str) -> ApiResult<()> {
    if id == 0 || ctx.world.picture(app, id).is_some() {
        return Ok(());
    }
    Err(ApiError::business_with(
        code,
        format!("`{member}` {id} is not a picture of this SdkAppId (upload it with CreatePicture)."),
        format!("{member} {id} 不是该应用已上传的图片（请先用 CreatePicture 上传）。"),
    ))
}
