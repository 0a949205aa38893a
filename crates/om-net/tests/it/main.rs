//! Integration tests of om-net against real servers on loopback and reference goldens.

mod ip;
