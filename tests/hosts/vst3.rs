//! Temporary stub until the VST3 host lands.
pub fn load(_: &std::path::Path, _: &str, _: &super::Setup) -> Box<dyn super::TestHost> {
    panic!("VST3 host not written yet")
}
