import DeskbookSupport
import Foundation

/// Runs a command (found on the PATH), its output discarded; returns its exit status.
public func runCommand(_ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

public struct MountFailure: Error, CustomStringConvertible {
    public let description: String
}

/// Runs `body` with a tmpfs of `size` (`3m`) mounted at `folder`, which is made if missing,
/// and unmounts it after. Needs root: tests of a full or read-only disk use it.
public func withTmpfs<T>(at folder: String, size: String, _ body: () throws -> T) throws -> T {
    try FileSystem.makeDirectories(folder)
    guard try runCommand(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", folder]) == 0 else {
        throw MountFailure(description: "cannot mount a tmpfs at \(folder)")
    }
    defer { _ = try? runCommand(["umount", folder]) }
    return try body()
}
