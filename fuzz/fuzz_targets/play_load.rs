//! Any text as a playbook: it loads or fails with an error (a span, a message), never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = std::path::Path::new("/nonexistent/fuzz/site.yml");
    if let Ok(book) = om_play::load_str(text, path, &om_play::LoadOptions::default()) {
        for play in &book.plays {
            for item in play.tasks.iter().chain(&play.pre_tasks).chain(&play.post_tasks) {
                for task in item.tasks() {
                    let _ = task.display_name();
                }
            }
        }
    }
});
