//! A plugin that declares two capabilities, read-files and agent, and watches file writes: what
//! `inspect` must show a user before they grant anything, and what `install` refuses to
//! install without the grants. Its handler has no opinion.

use fasthooks_sdk::{App, Capability, Event, Response, Tasks};

pub fn build_app() -> App {
    let mut app = App::new("needs-grants", env!("CARGO_PKG_VERSION"));
    app.needs(Capability::ReadFiles).needs(Capability::Agent);
    app.pre_tool("Write|Edit", no_opinion);
    app
}

fasthooks_sdk::plugin!(build_app);

fn no_opinion(_event: &Event, _tasks: &Tasks) -> Response {
    Response::none()
}
