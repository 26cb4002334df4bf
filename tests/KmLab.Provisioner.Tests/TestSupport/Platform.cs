// The tests use Unix file modes, chattr, stat and the JDK's tools, as the lab's CI machines (Linux) have them.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
