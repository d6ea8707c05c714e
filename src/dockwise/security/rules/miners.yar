/*
  Crypto-miner signatures for dockwise's "indicators" analyzer (docs/security-checks.md).
  Written for dockwise; strings are what the miners print or embed, so they survive
  recompilation. Each rule's meta `severity` is the finding's severity.
*/

rule xmrig_miner
{
    meta:
        description = "XMRig or a fork (Monero CPU/GPU miner)"
        severity = "critical"
    strings:
        $name1 = "xmrig" nocase ascii wide
        $opt1 = "--donate-level" ascii
        $opt2 = "donate-level" ascii
        $opt3 = "\"donate-over-proxy\"" ascii
        $algo1 = "cryptonight" nocase ascii
        $algo2 = "randomx" nocase ascii
        $algo3 = "rx/0" ascii
        $msg1 = "new job from" ascii
        $msg2 = "use pool" ascii
    condition:
        $name1 and (1 of ($opt*) or 2 of ($algo*, $msg*))
}

rule stratum_pool
{
    meta:
        description = "Mining pool URL (stratum protocol)"
        severity = "critical"
    strings:
        $s1 = "stratum+tcp://" ascii wide nocase
        $s2 = "stratum+ssl://" ascii wide nocase
        $s3 = "stratum2+tcp://" ascii wide nocase
        $s4 = "stratum+tls://" ascii wide nocase
    condition:
        any of them
}

rule miner_config
{
    meta:
        description = "Miner configuration or command line (pool, wallet, donate level)"
        severity = "high"
    strings:
        $d1 = "donate-level" ascii
        $d2 = "\"donate-level\"" ascii
        $p1 = "\"pools\"" ascii
        $p2 = "nicehash" nocase ascii
        $p3 = "minexmr" nocase ascii
        $p4 = "supportxmr" nocase ascii
        $p5 = "nanopool" nocase ascii
        $p6 = "moneroocean" nocase ascii
        $p7 = "2miners" nocase ascii
        $p8 = "hashvault" nocase ascii
        $w1 = "--coin" ascii
        $w2 = "-o pool." ascii
    condition:
        1 of ($d*) and 1 of ($p*, $w*)
}

rule cpuminer
{
    meta:
        description = "cpuminer / minerd / ccminer"
        severity = "critical"
    strings:
        $a = "cpuminer" nocase ascii
        $b = "minerd" ascii
        $c = "ccminer" nocase ascii
        $u = "--url=URL" ascii
        $h = "hashrate" nocase ascii
        $s = "stratum" ascii
    condition:
        1 of ($a, $b, $c) and 2 of ($u, $h, $s)
}
