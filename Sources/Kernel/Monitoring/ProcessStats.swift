import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Figures about this process and its host, read from `/proc` and `getrusage`.
struct ProcessStats: Sendable {
    var residentBytes: Int
    var virtualBytes: Int
    var cpuSeconds: Double
    var openFileDescriptors: Int
    var threads: Int
    var uptimeSeconds: Double

    static func current() -> ProcessStats {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ").compactMap { Int($0) } ?? []
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        let threads = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("Threads:") }
            .flatMap { Int($0.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
        return ProcessStats(residentBytes: (statm.count > 1 ? statm[1] : 0) * page, virtualBytes: (statm.first ?? 0) * page,
                            cpuSeconds: cpu, openFileDescriptors: fds, threads: threads,
                            uptimeSeconds: Date().timeIntervalSince(KernelMetrics.startedAt))
    }
}

/// Figures about the machine.
struct HostStats: Sendable {
    var hostname: String
    var cpus: Int
    var loadAverage: [Double]
    var memoryTotalBytes: Int
    var memoryAvailableBytes: Int
    var operatingSystem: String

    static func current() -> HostStats {
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).compactMap { Double($0) } ?? []
        var total = 0, available = 0
        for line in ((try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kilobytes = Int(parts[1]) else { continue }
            if parts[0] == "MemTotal:" { total = kilobytes * 1024 }
            if parts[0] == "MemAvailable:" { available = kilobytes * 1024 }
        }
        return HostStats(hostname: ProcessInfo.processInfo.hostName, cpus: ProcessInfo.processInfo.activeProcessorCount, loadAverage: load,
                         memoryTotalBytes: total, memoryAvailableBytes: available, operatingSystem: ProcessInfo.processInfo.operatingSystemVersionString)
    }
}
