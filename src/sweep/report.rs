//! `sweep report`: placeholder.
use super::cli::CliError;
pub fn report_cli(_r: &std::path::Path, _h: &std::path::Path) -> Result<(), CliError> {
    Err((2, "todo".into()))
}
