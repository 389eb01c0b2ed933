#if canImport(Glibc)
import Glibc
#endif

/// A GET over a real socket to a server on 127.0.0.1, for tests of what a browser would get.
public enum HTTPClient {
    public struct Response: Sendable {
        public let status: Int
        public let headers: String
        public let body: String
    }

    /// Sends `GET path` with the given extra header lines and reads the whole response.
    public static func get(port: UInt16, _ path: String, headers: [String] = []) -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return Response(status: 0, headers: "", body: "") }
        let lines = ["GET \(path) HTTP/1.1", "Host: localhost", "Connection: close"] + headers
        let request = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "0") ?? 0
        let split = text.range(of: "\r\n\r\n")
        return Response(status: status, headers: split.map { String(text[..<$0.lowerBound]) } ?? text,
                        body: split.map { String(text[$0.upperBound...]) } ?? "")
    }

    /// `Authorization: Basic …` for a user and password.
    public static func basicAuthorization(_ user: String, _ password: String) -> String {
        "Authorization: Basic " + base64(Array("\(user):\(password)".utf8))
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
