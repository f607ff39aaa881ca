import Foundation

/// PNG files written by an independent encoder, Pillow 13.0 (`Image.fromarray(array, mode).save(buffer, "PNG")`),
/// whose adaptive filtering chose the None, Sub, Up and Paeth filters for these rows.
///
/// The sample of channel `c` at row `y`, column `x` is ``PillowFixtures/expectedSample(x:y:channel:)``.
enum PillowFixtures {
    /// The pattern the fixtures were made from:
    /// `(x*37 + y*91 + c*53 + x*y*7 + (x*x*y) % 11 * 13) % 256`.
    static func expectedSample(x: Int, y: Int, channel: Int) -> UInt8 {
        UInt8((x * 37 + y * 91 + channel * 53 + x * y * 7 + (x * x * y) % 11 * 13) % 256)
    }

    static func fixture(_ base64Lines: String...) -> [UInt8] {
        Array(Data(base64Encoded: base64Lines.joined())!)
    }

    /// 13 × 11 L, 217 bytes.
    static let grayscale = fixture(
        "iVBORw0KGgoAAAANSUhEUgAAAA0AAAALCAAAAACB2Vi9AAAAoElEQVR4nGNkUEUCjNGWwbk/hHTcEl6zylsybGNuWcXCbDZ35ctz",
        "z00YBRMV8nSrrX66s4UIJzLkPNQPe7rv/4rZ37TM1zAcDzizhi959TORIzfuZ7BEz+V7usPpCweHfTPjHoZavfLn79cyf5x60UT/",
        "AcONuSK2yw8r7OOb/+j6HJbom2JhmjPWGFTar3t/kyX6rYvW/KUCfytV1718CwAzpEEA1DEgRAAAAABJRU5ErkJggg==")

    /// 13 × 11 RGB, 491 bytes.
    static let rgb = fixture(
        "iVBORw0KGgoAAAANSUhEUgAAAA0AAAALCAIAAAAr0JA2AAABsklEQVR4nGNkMM1SJQIwRk84amlpGRwcnJub++PHDyEhIR0dHTc3",
        "t4SEhNevX7OyssrLy1taWrJER0f7+vp+mDs3TE0tKirq////xsbGwmfPVvLcdHBwePr0qaSkpO/XrwyCbtVFy+9MOv6HwTRLN2n6",
        "irtCj8R9bgu4KoX3aMROqtn4rP/Izw+qUQw5C689FPPWT5kZ1n3gqZT/vs8a/00yV9wVmn2B9Zt2glb8FPOchWseijEc/2MY0Lrr",
        "DKPZmodifM4VyTPOrn4g+kw6QMSz7shPvRu8TvdFPDPmXmKJjo6eOzefr0v66dOnO3aYOjn9+vJlDcfZGI5MM3t7++Z1zYyMjHvm",
        "zmWo3fRcL3lG+ZqHz2UC36tErn0kzmyR+1Eteuqp/xfZrE0y5+mnzHwg6sVwg9dp7iV2Ec8626Lly+8IHv6hqxDate+zBp9zxfwr",
        "nI/Efa7zOM65yMZgnDGXx7FMKbxn8om/F1itMuZeOsNo9scwrX3Px3vCHhOO/qrf8jKi9xBD3+Ef1Rue7v+i+VIuuGPvJ16n8oq1",
        "j07+M2YwzVrzUMyueIV6zEQRzzoA6n69p0Wo4pQAAAAASUVORK5CYII=")

    /// 9 × 7 RGBA, 305 bytes.
    static let rgba = fixture(
        "iVBORw0KGgoAAAANSUhEUgAAAAkAAAAHCAYAAADam2dgAAAA+ElEQVR4nGNkMM2ar0oAMEZPOPrL0tLSMjg4ODg3Nzf3x48fP4SE",
        "hIR0dHR03Nzc3BISEhIYtr1WCGW2yF3UsvOd8qr7Ip4slnmLmS1yF5llL7g69xK7zcp7wh4Mgm7VG4qW3xGcdPyPIYNp1nzdpOln",
        "VtwVcn8k7tN4W8C1Sim85yBDzsJr3A/FvBv0U2aeC+s+8PWplH/Lvs8asf9NMuetuCvkPvsCqxXD8T+GaQGtu96fYTTLXvNQzJvP",
        "uWJt8oyzTKsfiHo9kw5oFfGs28wUHR0dnZ+fn8/Hx8f39OnTpzt27NixdOnSpWvWrFlz9uzZsxwcHBwA5UZpQSFHmQcAAAAASUVO",
        "RK5CYII=")
}
