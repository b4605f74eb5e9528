//! The `instabake` binary: parse flags, run, map the result to an exit code. Everything else lives
//! in the library.

use clap::Parser;

fn main() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    keep_freed_buffers();
    instabake::install_panic_hook();
    let cli = instabake::Cli::parse();
    let code = match std::panic::catch_unwind(|| instabake::run(cli)) {
        Ok(code) => code,
        // The hook has printed the (redacted) message already.
        Err(_) => instabake::ExitCode::Unexpected,
    };
    std::process::exit(code as i32);
}

/// A bake allocates and frees buffers of a few MiB for every image: decoded pixels, resized widths,
/// encoder planes, encoded output. By default glibc hands most of them back to the kernel when they
/// are freed and maps fresh pages for the next image, one page fault per 4 KiB: on 40 photos about
/// 100,000 faults. Mapping only above 32 MiB and trimming only above 128 MiB lets the next image
/// reuse them, for the same peak memory.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn keep_freed_buffers() {
    // SAFETY: mallopt only sets allocator parameters, and runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
    }
}
