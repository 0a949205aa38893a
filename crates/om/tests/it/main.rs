//! The `om` binary against itself: `om serve`, `om admin`, `om action`, `om jobs`.

mod serve;
