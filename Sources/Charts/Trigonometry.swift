#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func _sin(_ value: Double) -> Double { sin(value) }
func _cos(_ value: Double) -> Double { cos(value) }
