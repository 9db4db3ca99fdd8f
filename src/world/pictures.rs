//! Pictures an app uploaded (CreatePicture) for its mixes' watermarks and backgrounds: their ids,
//! formats and display boxes. The picture bytes are checked on upload and not kept.

use super::World;

/// The first PictureId an app gets; each next one is one more, never reused.
const FIRST_ID: u64 = 10_001;

/// One uploaded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub id: u64,
    /// The suffix it was uploaded with (`png`, `jpg`…).
    pub suffix: String,
    /// Its size in bytes, decoded from base64.
    pub bytes: usize,
    /// Its size in pixels, as decoded.
    pub pixels: (u32, u32),
    /// The display box the caller gave (and may change): width, height, x and y.
    pub width: u64,
    pub height: u64,
    pub x: u64,
    pub y: u64,
    pub created_at: u64,
}

/// The pictures of one app, in order of id.
#[derive(Debug, Clone, Default)]
pub struct AppPictures {
    next: u64,
    list: Vec<Picture>,
}

impl AppPictures {
    pub fn is_empty(&self) -> bool {
        self.next == 0 && self.list.is_empty()
    }

    pub fn all(&self) -> &[Picture] {
        &self.list
    }

    pub fn get(&self, id: u64) -> Option<&Picture> {
        self.list.iter().find(|p| p.id == id)
    }
}

impl World {
    /// Stores a picture; `picture.id` is replaced by the app's next PictureId, which is returned.
    pub fn add_picture(&self, app: u64, mut picture: Picture) -> u64 {
        let result: Result<u64, ()> = self.update(app, |_, state| {
            let pictures = &mut state.pictures;
            let id = pictures.next.max(FIRST_ID);
            pictures.next = id.saturating_add(1);
            picture.id = id;
            pictures.list.push(picture);
            Ok(id)
        });
        result.unwrap_or_default()
    }

    /// The app's pictures, in order of id.
    pub fn pictures(&self, app: u64) -> Vec<Picture> {
        self.state(app).pictures.all().to_vec()
    }

    /// The app's picture `id`, if it has one.
    pub fn picture(&self, app: u64, id: u64) -> Option<Picture> {
        self.state(app).pictures.get(id).cloned()
    }

    /// Changes picture `id` in one step; `false` if the app has none of that id.
    pub fn modify_picture(&self, app: u64, id: u64, f: impl FnOnce(&mut Picture)) -> bool {
        self.update(app, |_, state| {
            let picture = state.pictures.list.iter_mut().find(|p| p.id == id).ok_or(())?;
            f(picture);
            Ok::<(), ()>(())
        })
        .is_ok()
    }

    /// Deletes picture `id`; `false` if the app has none of that id.
    pub fn delete_picture(&self, app: u64, id: u64) -> bool {
        self.update(app, |_, state| {
            let at = state.pictures.list.iter().position(|p| p.id == id).ok_or(())?;
            state.pictures.list.remove(at);
            Ok::<(), ()>(())
        })
        .is_ok()
    }
}
