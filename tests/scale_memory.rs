//! Memory of the generated history at scale, measured with dhat's heap profiler (one test per
//! process: the profiler is global). A 24-hour room page at 10⁶ rooms a day holds the same
//! small amount of heap at page 0 and at page 9,999: nothing grows with the history.

use trtc_mock::world::{Density, Generator};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const APP: u64 = 1_400_000_001;
const NOW: u64 = 1_764_000_000;

/// Peak heap bytes above what was live before, while `f` runs.
fn peak_of(f: impl FnOnce()) -> u64 {
    let before = dhat::HeapStats::get();
    f();
    let after = dhat::HeapStats::get();
    // `max_bytes` is the peak of the whole run so far; the first call in a fresh process sets it.
    (after.max_bytes as u64).saturating_sub(before.curr_bytes as u64)
}

#[test]
fn a_page_costs_the_same_memory_wherever_it_is() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let density = Density { rooms_per_hour: 41_667, ..Density::default() };
    let mut peaks = Vec::new();
    let mut totals = Vec::new();
    // Page 9,999 first: the peak of the run is reached by the first query if it is the larger.
    for number in [9_999u64, 0] {
        let generator = Generator::new(1, density);
        let mut total = 0;
        let peak = peak_of(|| {
            let (count, page) = generator.page(APP, NOW - 86_400, NOW, NOW, number * 100, 100);
            total = count;
            assert_eq!(page.len(), 100, "page {number} of {total} is full");
            let rooms: Vec<_> = page.iter().map(|s| generator.room(s)).collect();
            assert!(rooms.iter().all(|r| !r.sessions.is_empty()));
        });
        peaks.push(peak);
        totals.push(total);
        drop(generator);
    }
    assert!(totals[0] > 1_000_000, "a day of a million rooms (and those still open from before): {}", totals[0]);
    // 100 rooms of a few users each: well under a megabyte, and no more at page 9,999.
    assert!(peaks.iter().all(|p| *p < 2_000_000), "{peaks:?}");
    eprintln!("peak heap of a 24 h page at 10^6 rooms/day: page 9999 {} B, page 0 {} B", peaks[0], peaks[1]);
}
