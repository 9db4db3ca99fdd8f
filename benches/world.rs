//! The generated history at scale: a million rooms a day in one SdkAppId.
//!
//! A 24-hour `DescribeRoomInfo` page must cost about the same at page 0 and at page 9,999,
//! because counting and paging work from room skeletons (a few hash steps each) and only the
//! rooms of the page are built. `cold` uses a fresh generator for every iteration (nothing
//! cached: the page's 100 rooms are built), `warm` asks the same world again (the page's rooms
//! come from the cache). The memory side is a test: `tests/scale_memory.rs`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use trtc_mock::world::{Density, Generator};

const APP: u64 = 1_400_000_001;
const NOW: u64 = 1_764_000_000;
/// 10⁶ rooms per day.
const ROOMS_PER_HOUR: u32 = 41_667;

fn generator() -> Generator {
    Generator::new(20_190_722, Density { rooms_per_hour: ROOMS_PER_HOUR, ..Density::default() })
}

/// What `DescribeRoomInfo` asks of the world for page `number` of 100: the total and the page's rooms.
fn page(generator: &Generator, number: u64) -> (u64, usize) {
    let (total, skeletons) = generator.page(APP, NOW - 86_400, NOW, NOW, number * 100, 100);
    (total, skeletons.iter().map(|s| generator.room(s)).filter(|r| !r.sessions.is_empty()).count())
}

fn scale(c: &mut Criterion) {
    let total = generator().count_overlapping(APP, NOW - 86_400, NOW, NOW);
    eprintln!("rooms active in the 24 h window: {total}");
    let mut group = c.benchmark_group("rooms_24h_1m_per_day");
    group.sample_size(20);
    group.bench_function("count", |b| b.iter(|| generator().count_overlapping(black_box(APP), NOW - 86_400, NOW, NOW)));
    for number in [0u64, 9_999] {
        group.bench_function(format!("page_{number}_cold"), |b| {
            b.iter_batched(generator, |g| page(&g, black_box(number)), BatchSize::SmallInput);
        });
        let warm = generator();
        group.bench_function(format!("page_{number}_warm"), |b| b.iter(|| page(&warm, black_box(number))));
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5)).without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = scale
}
criterion_main!(benches);
