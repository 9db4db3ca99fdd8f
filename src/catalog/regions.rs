//! Tencent Cloud region names.
//!
//! A `Region` that is not one of these is not a region at all (`InvalidParameterValue`); one
//! that is, but is not among an action's documented regions, is `UnsupportedRegion`.

/// Public-cloud regions of Tencent Cloud (mainland China, financial zones and international).
pub const ALL: &[&str] = &[
    "ap-bangkok",
    "ap-beijing",
    "ap-beijing-fsi",
    "ap-chengdu",
    "ap-chongqing",
    "ap-guangzhou",
    "ap-hongkong",
    "ap-jakarta",
    "ap-mumbai",
    "ap-nanjing",
    "ap-seoul",
    "ap-shanghai",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-singapore",
    "ap-taipei",
    "ap-tokyo",
    "eu-frankfurt",
    "eu-moscow",
    "na-ashburn",
    "na-siliconvalley",
    "na-toronto",
    "sa-saopaulo",
];

pub fn is_known(region: &str) -> bool {
    ALL.binary_search(&region).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_is_sorted_for_binary_search() {
        assert!(super::ALL.windows(2).all(|w| w[0] < w[1]));
        assert!(super::is_known("ap-guangzhou"));
        assert!(!super::is_known("gz"));
    }
}
