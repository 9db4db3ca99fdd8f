//! ASR hot-word vocabularies (V3): at most 30 per account, at most 1000 words each, a word at
//! most 10 CJK or 30 Latin characters with no punctuation, a weight 1 to 11 or 100; names unique
//! within an SdkAppId; one default vocabulary (State 1) per SdkAppId. Words come as WordWeights
//! or as WordWeightStr, the base64 of `word|weight` lines (which wins when both are given), and
//! DownloadRecognizeVocabV3 answers them the second way.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::pure::civil::local_datetime;
use crate::pure::hash::mix;
use crate::world::speech::{AppSpeech, Vocab};

/// Most vocabularies an account may keep.
pub const MAX_VOCABS: usize = 30;
/// Most words in one vocabulary.
pub const MAX_WORDS: usize = 1000;
/// A word's most width: a CJK character is 3, a Latin one 1 (so 10 CJK or 30 Latin).
const MAX_WORD_WIDTH: usize = 30;

#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct HotWord {
    pub word: String,
    pub weight: i64,
}

fn check_app(ctx: &Ctx<'_>, app: u64) -> ApiResult<()> {
    super::rules::app(ctx, app, "MissingParameter", "AuthFailure.UnauthorizedOperation")
}

fn bad_str(en: String, zh: String) -> ApiError {
    ApiError::business_with(
        "InvalidParameterValue.InvalidWordWeightStr",
        format!("Invalid WordWeightStr: {en}"),
        format!("非法的WordWeightStr：{zh}"),
    )
}

/// The words of a request: WordWeightStr when it is given, else WordWeights; `None` when neither.
fn words(list: Option<&[HotWord]>, text: Option<&str>) -> ApiResult<Option<Vec<(String, i64)>>> {
    let words: Vec<(String, i64)> = match (text.filter(|t| !t.is_empty()), list) {
        (Some(text), _) => {
            let bytes = STANDARD
                .decode(text.trim())
                .map_err(|_| bad_str("it is not base64.".into(), "不是 base64 编码。".into()))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| bad_str("its text is not UTF-8.".into(), "文本不是 UTF-8 编码。".into()))?;
            let mut out = Vec::new();
            for (n, line) in text.lines().map(|l| l.trim_end_matches('\r')).enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let parsed = line
                    .rsplit_once('|')
                    .and_then(|(w, weight)| Some((w.to_owned(), weight.trim().parse::<i64>().ok()?)));
                let Some(entry) = parsed else {
                    return Err(bad_str(
                        format!("line {} ({line:?}) is not `word|weight`.", n + 1),
                        format!("第 {} 行（{line:?}）不是 word|weight 格式。", n + 1),
                    ));
                };
                out.push(entry);
            }
            out
        }
        (None, Some(list)) => list.iter().map(|w| (w.word.clone(), w.weight)).collect(),
        (None, None) => return Ok(None),
    };
    if words.len() > MAX_WORDS {
        return Err(ApiError::business_with(
            "InvalidParameterValue",
            format!("A vocabulary holds at most {MAX_WORDS} words; this one has {}.", words.len()),
            format!("每个热词表最多 {MAX_WORDS} 个词，当前 {} 个。", words.len()),
        ));
    }
    for (word, weight) in &words {
        let width: usize = word.chars().map(|c| if c.is_ascii() { 1 } else { 3 }).sum();
        let clean = word.chars().all(|c| c.is_alphanumeric() || c == ' ');
        if word.trim().is_empty() || width > MAX_WORD_WIDTH || !clean {
            return Err(ApiError::business_with(
                "InvalidParameterValue",
                format!(
                    "The hot word {word:?} must be 1 to 10 CJK or 30 Latin characters, without punctuation or special characters."
                ),
                format!("热词 {word:?} 须为 1 到 10 个汉字或 30 个英文字符，且不能包含标点和特殊字符。"),
            ));
        }
        if !((1..=11).contains(weight) || *weight == 100) {
            return Err(ApiError::business_with(
                "InvalidParameterValue.InvalidWordWeight",
                format!("Invalid hot-word weight: {word:?} has {weight}; a weight is 1 to 11, or 100."),
                format!("热词weight参数无效：{word:?} 的权重为 {weight}，须为 [1,11] 之间的整数或 100。"),
            ));
        }
    }
    Ok(Some(words))
}

fn check_name(name: &str) -> ApiResult<()> {
    if name.is_empty() || name.chars().count() > 255 {
        return Err(ApiError::invalid_parameter_value("Name", name));
    }
    Ok(())
}

fn taken(speech: &AppSpeech, name: &str, except: Option<&str>) -> ApiResult<()> {
    if speech.vocabs.iter().any(|v| v.name == name && Some(v.vocab_id.as_str()) != except) {
        return Err(ApiError::business_with(
            "InvalidParameterValue",
            format!("A vocabulary named {name:?} already exists in this SdkAppId."),
            format!("该 SdkAppId 下已有名为 {name:?} 的热词表。"),
        ));
    }
    Ok(())
}

fn unknown(id: &str) -> ApiError {
    ApiError::business_with(
        "InvalidParameterValue.InvalidVocabId",
        format!("Invalid VocabId: {id:?} names no vocabulary of this SdkAppId."),
        format!("非法的VocabId：{id:?} 不是该 SdkAppId 的热词表。"),
    )
}

fn find<'a>(speech: &'a AppSpeech, id: &str) -> ApiResult<&'a Vocab> {
    speech.vocabs.iter().find(|v| v.vocab_id == id).ok_or_else(|| unknown(id))
}

fn iso_time(t: u64) -> String {
    format!("{}+08:00", local_datetime(t as i64).replace(' ', "T"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRecognizeVocabV3Input {
    pub name: String,
    pub sdk_app_id: u64,
    pub description: Option<String>,
    pub word_weights: Option<Vec<HotWord>>,
    pub word_weight_str: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VocabIdOutput {
    pub vocab_id: String,
}

pub fn create_recognize_vocab_v3(ctx: &Ctx<'_>, input: CreateRecognizeVocabV3Input) -> ApiResult<VocabIdOutput> {
    let app = input.sdk_app_id;
    check_app(ctx, app)?;
    check_name(&input.name)?;
    let words = words(input.word_weights.as_deref(), input.word_weight_str.as_deref())?.unwrap_or_default();
    let (seed, now) = (ctx.world.generator.seed, ctx.now);
    ctx.world.update_speech(
        app,
        |other| ctx.account.allows(other),
        |others, speech| {
            let held = others + speech.vocabs.len();
            if held >= MAX_VOCABS {
                return Err(ApiError::business_with(
                    "LimitExceeded.VocabFull",
                    format!("Vocabulary count reached account limit: the account holds {held} of {MAX_VOCABS}."),
                    format!("热词表数量已到账号限制：当前账号已有 {held} 个（上限 {MAX_VOCABS}）。"),
                ));
            }
            taken(speech, &input.name, None)?;
            speech.made += 1;
            let vocab_id = format!(
                "{:016x}{:016x}",
                mix(seed, &[0x70cab, app, speech.made]),
                mix(seed, &[0x70cac, app, speech.made])
            );
            speech.vocabs.push(Vocab {
                vocab_id: vocab_id.clone(),
                name: input.name.clone(),
                description: input.description.clone().unwrap_or_default(),
                words,
                created_at: now,
                updated_at: now,
                state: 0,
            });
            Ok(VocabIdOutput { vocab_id })
        },
    )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VocabInput {
    pub vocab_id: String,
    pub sdk_app_id: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VocabOutput {
    pub name: String,
    pub description: String,
    pub vocab_id: String,
    pub word_weights: Vec<HotWord>,
    pub create_time: String,
    pub update_time: String,
    pub state: i64,
}

fn shown(v: &Vocab) -> VocabOutput {
    VocabOutput {
        name: v.name.clone(),
        description: v.description.clone(),
        vocab_id: v.vocab_id.clone(),
        word_weights: v.words.iter().map(|(word, weight)| HotWord { word: word.clone(), weight: *weight }).collect(),
        create_time: iso_time(v.created_at),
        update_time: iso_time(v.updated_at),
        state: v.state,
    }
}

pub fn get_recognize_vocab_v3(ctx: &Ctx<'_>, input: VocabInput) -> ApiResult<VocabOutput> {
    check_app(ctx, input.sdk_app_id)?;
    let speech = ctx.world.speech(input.sdk_app_id);
    find(&speech, &input.vocab_id).map(shown)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRecognizeVocabListV3Input {
    pub sdk_app_id: u64,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VocabListOutput {
    pub vocab_list: Vec<VocabOutput>,
    pub total_count: i64,
}

/// The SdkAppId's vocabularies in order of creation, `Limit` (default 10, at most 100) after the
/// first `Offset`.
pub fn get_recognize_vocab_list_v3(ctx: &Ctx<'_>, input: GetRecognizeVocabListV3Input) -> ApiResult<VocabListOutput> {
    check_app(ctx, input.sdk_app_id)?;
    let offset = input.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid_parameter_value("Offset", &offset.to_string()));
    }
    let limit = input.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid_parameter_value("Limit", &limit.to_string()));
    }
    let speech = ctx.world.speech(input.sdk_app_id);
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    Ok(VocabListOutput {
        vocab_list: speech.vocabs.iter().skip(skip).take(limit as usize).map(shown).collect(),
        total_count: speech.vocabs.len() as i64,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRecognizeVocabV3Input {
    pub vocab_id: String,
    pub sdk_app_id: u64,
    pub name: Option<String>,
    pub description: Option<String>,
    pub word_weights: Option<Vec<HotWord>>,
    pub word_weight_str: Option<String>,
}

/// Changes what is given: the name, the description, the words (all of them replaced).
pub fn update_recognize_vocab_v3(ctx: &Ctx<'_>, input: UpdateRecognizeVocabV3Input) -> ApiResult<VocabIdOutput> {
    let app = input.sdk_app_id;
    check_app(ctx, app)?;
    find(&ctx.world.speech(app), &input.vocab_id)?;
    if let Some(name) = &input.name {
        check_name(name)?;
    }
    let words = words(input.word_weights.as_deref(), input.word_weight_str.as_deref())?;
    let now = ctx.now;
    ctx.world.update_speech(
        app,
        |_| false,
        |_, speech| {
            if let Some(name) = &input.name {
                taken(speech, name, Some(&input.vocab_id))?;
            }
            let vocab = speech
                .vocabs
                .iter_mut()
                .find(|v| v.vocab_id == input.vocab_id)
                .ok_or_else(|| unknown(&input.vocab_id))?;
            if let Some(name) = &input.name {
                vocab.name = name.clone();
            }
            if let Some(description) = &input.description {
                vocab.description = description.clone();
            }
            if let Some(words) = words {
                vocab.words = words;
            }
            vocab.updated_at = now;
            Ok(VocabIdOutput { vocab_id: input.vocab_id.clone() })
        },
    )
}

#[derive(Debug, Serialize)]
pub struct Empty {}

pub fn delete_recognize_vocab_v3(ctx: &Ctx<'_>, input: VocabInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id)?;
    ctx.world.update_speech(
        input.sdk_app_id,
        |_| false,
        |_, speech| {
            let at = speech
                .vocabs
                .iter()
                .position(|v| v.vocab_id == input.vocab_id)
                .ok_or_else(|| unknown(&input.vocab_id))?;
            speech.vocabs.remove(at);
            Ok(Empty {})
        },
    )
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DownloadOutput {
    pub vocab_id: String,
    pub word_weight_str: String,
}

/// The words as the base64 of `word|weight` lines joined by `\n` (the documented example
/// decodes to `腾讯云|10\n语音识别|5`).
pub fn word_weight_str(words: &[(String, i64)]) -> String {
    let lines: Vec<String> = words.iter().map(|(w, weight)| format!("{w}|{weight}")).collect();
    STANDARD.encode(lines.join("\n"))
}

pub fn download_recognize_vocab_v3(ctx: &Ctx<'_>, input: VocabInput) -> ApiResult<DownloadOutput> {
    check_app(ctx, input.sdk_app_id)?;
    let speech = ctx.world.speech(input.sdk_app_id);
    let vocab = find(&speech, &input.vocab_id)?;
    Ok(DownloadOutput { vocab_id: vocab.vocab_id.clone(), word_weight_str: word_weight_str(&vocab.words) })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetVocabStateV3Input {
    pub vocab_id: String,
    pub state: i64,
    pub sdk_app_id: u64,
}

/// State 1 makes the vocabulary the SdkAppId's default (the previous default goes back to 0);
/// State 0 unsets it.
pub fn set_vocab_state_v3(ctx: &Ctx<'_>, input: SetVocabStateV3Input) -> ApiResult<VocabIdOutput> {
    check_app(ctx, input.sdk_app_id)?;
    if !(0..=1).contains(&input.state) {
        return Err(ApiError::business_with(
            "InvalidParameter.InvalidVocabState",
            format!("Invalid vocabulary state: `State` {} is not 0 or 1.", input.state),
            format!("非法的词表状态：State {} 不是 0 或 1。", input.state),
        ));
    }
    ctx.world.update_speech(
        input.sdk_app_id,
        |_| false,
        |_, speech| {
            find(speech, &input.vocab_id)?;
            for v in &mut speech.vocabs {
                if v.vocab_id == input.vocab_id {
                    v.state = input.state;
                } else if input.state == 1 {
                    v.state = 0;
                }
            }
            Ok(VocabIdOutput { vocab_id: input.vocab_id.clone() })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_download_format_matches_the_documented_example() {
        let words = vec![("腾讯云".to_owned(), 10), ("语音识别".to_owned(), 5)];
        assert_eq!(word_weight_str(&words), "6IW+6K6v5LqRfDEwCuivremfs+ivhuWIq3w1");
        assert_eq!(self::words(None, Some("6IW+6K6v5LqRfDEwCuivremfs+ivhuWIq3w1")).unwrap().unwrap(), words);
    }
}
