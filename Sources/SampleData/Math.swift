#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func sine(_ value: Double) -> Double { sin(value) }
func cosine(_ value: Double) -> Double { cos(value) }
func logarithm(_ value: Double) -> Double { log(value) }
func exponential(_ value: Double) -> Double { exp(value) }
