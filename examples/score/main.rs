//! Scores images the way a person sees them, for `bench/run.py` and the page-weight browser test:
//! SSIMULACRA2 (higher is better: 90 is visually lossless, 70 high quality, 50 medium) and DSSIM
//! (lower is better; 0 is identical) of each image against its source.
//!
//! ```sh
//! cargo run --release --example score -- PLAN.json
//! ```
//!
//! PLAN.json is a list of `{"source": PATH, "image": PATH, "width": W, "height": H}`. The
//! reference is the source scaled with Lanczos3 to cover W x H (centred crop, as `object-fit:
//! cover` does), and the image is scaled the same way when its size differs; without W and H
//! both are compared at the image's own size. Images are decoded by the `image` crate (JPEG, PNG,
//! WebP); AVIF must be converted to PNG first. Prints a JSON list of `{"ssimulacra2", "dssim"}`
//! in the plan's order.

mod metrics;

use std::path::PathBuf;

use rayon::prelude::*;

use metrics::{score, Pair};

fn main() {
    let Some(plan) = std::env::args_os().nth(1) else {
        eprintln!("usage: score PLAN.json");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&plan).unwrap_or_else(|e| {
        eprintln!("error: cannot read {}: {e}", PathBuf::from(&plan).display());
        std::process::exit(2);
    });
    let pairs: Vec<Pair> = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("error: {}: {e}", PathBuf::from(&plan).display());
        std::process::exit(2);
    });
    let scores: Result<Vec<_>, String> = pairs.par_iter().map(score).collect();
    match scores {
        Ok(scores) => println!("{}", serde_json::Value::Array(scores)),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
