//! `template`: content rendered on the controller, written on the host with `copy`'s
//! checksum comparison, backup, validation and attributes. Diff headers are
//! `before: <dest>` and `after: <src>`.

use crate::{Args, Context, Fail, Module, Param, Schema, file_params};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "template",
    "Template a file out to a target host",
    file_params![
        Param::path("src").required(),
        Param::path("dest").required(),
        Param::bool("backup", false),
        Param::bool("force", true),
        Param::bool("follow", false),
        Param::str("validate"),
        Param::str("newline_sequence").default_str("\n").choices(&["\n", "\r", "\r\n"]),
        Param::bool("trim_blocks", true),
        Param::bool("lstrip_blocks", false),
        Param::str("block_start_string").default_str("{%"),
        Param::str("block_end_string").default_str("%}"),
        Param::str("variable_start_string").default_str("{{"),
        Param::str("variable_end_string").default_str("}}"),
        Param::str("comment_start_string"),
        Param::str("comment_end_string"),
        Param::str("output_encoding").default_str("utf-8"),
        Param::str("_original_basename"),
    ],
)
.with_diff();

pub struct Template;

impl Module for Template {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let Some(content) = ctx.input.map(<[u8]>::to_vec) else {
            return Err(Fail::new("template: the rendered content must come from the controller (om renders templates there)"));
        };
        let src = args.string("src");
        super::copy::write_file(args, ctx, &content, Some(&src), "template")
    }
}
