//! A panic is a bug wherever it happens, and `Run::assert_no_panic` must see it: on the main thread
//! (the binary catches it, prints a crash report and exits 1) and in a media worker (caught there,
//! it costs only that image, and the run still exits 0). Debug builds panic on purpose at
//! `INSTABAKE_FAILPOINT=panic-main` and `panic-in-worker`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::support::{self, FakeApi, Post, Run, Scenario};

/// Whether `assert_no_panic` fails for this run.
fn flagged_as_panic(run: &Run) -> bool {
    catch_unwind(AssertUnwindSafe(|| {
        run.assert_no_panic();
    }))
    .is_err()
}

/// A bake of two posts with `INSTABAKE_FAILPOINT=point`; the site it baked into.
fn bake_with_failpoint(point: &str) -> (Run, tempfile::TempDir) {
    let fake = FakeApi::start(Scenario::new().posts(vec![
        Post::image("9501").media("small.jpg"),
        Post::image("9502").media("square.jpg"),
    ]));
    let site = support::site();
    let run = fake.run_build_env(site.path(), &[], &[("INSTABAKE_FAILPOINT", point)]);
    fake.assert_no_secret_or_cdn(site.path(), &run);
    (run, site)
}

#[test]
fn a_panic_on_the_main_thread_is_reported_and_seen_by_the_no_panic_check() {
    let (run, site) = bake_with_failpoint("panic-main");

    run.assert_code(1);
    assert!(!site.path().join(support::HUGO_DATA).exists(), "{run}");
    assert!(
        run.stderr.contains("instabake crashed") && run.stderr.contains("failpoint panic-main"),
        "no crash report:\n{run}"
    );
    assert!(flagged_as_panic(&run), "assert_no_panic missed it:\n{run}");
}

#[test]
fn a_panic_in_a_media_worker_costs_its_image_and_is_seen_by_the_no_panic_check() {
    let (run, site) = bake_with_failpoint("panic-in-worker:9502");

    // The other post is baked and the run succeeds, as the README promises for one bad image...
    run.assert_success();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9501"]
    );
    assert!(
        run.stderr
            .contains("failpoint panic-in-worker reached (9502)"),
        "no crash report:\n{run}"
    );
    // ...but a panic is a bug all the same, and the check must say so.
    assert!(flagged_as_panic(&run), "assert_no_panic missed it:\n{run}");
}

#[test]
fn a_panic_in_every_media_worker_fails_the_bake_cleanly() {
    let (run, site) = bake_with_failpoint("panic-in-worker");

    run.assert_code(3);
    assert!(!site.path().join(support::HUGO_DATA).exists(), "{run}");
    assert!(flagged_as_panic(&run), "assert_no_panic missed it:\n{run}");
}

#[test]
fn a_clean_run_passes_the_no_panic_check() {
    let (run, site) = bake_with_failpoint("no-such-point");

    run.assert_success();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9501", "9502"]
    );
    assert!(!flagged_as_panic(&run), "a clean run was flagged:\n{run}");
}
