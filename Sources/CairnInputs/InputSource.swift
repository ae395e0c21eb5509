import CairnCore

/// Every kind of input, as one enum so a list of configured inputs needs no
/// existentials. Synchronous sources are read in place; a command runs in the
/// background and is collected later (see `InputSchedule`).
public enum InputSource {
    case hwmon(HwmonInput)
    case thermal(ThermalInput)
    case health(HealthInput)
    case iio(IIOInput)
    case w1(W1Input)
    case file(FileInput)
    case command(CommandInput)

    /// Reads a synchronous source, or starts a command (whose start may fail at once).
    func begin(nowWall: Int64, nowMonotonic: Int64) -> InputResult? {
        var result = InputResult()
        switch self {
        case .hwmon(let input): SensorInputs.adopt(&result) { input.read(now: nowWall, into: &$0, failures: &$1) }
        case .thermal(let input): SensorInputs.adopt(&result) { input.read(now: nowWall, into: &$0, failures: &$1) }
        case .health(let input): SensorInputs.adopt(&result) { input.read(now: nowWall, into: &$0, failures: &$1) }
        case .iio(let input): input.read(now: nowWall, into: &result)
        case .w1(let input): input.read(now: nowWall, into: &result)
        case .file(let input): input.read(now: nowWall, into: &result)
        case .command(let input): return input.start(nowMonotonic: nowMonotonic)
        }
        return result
    }

    var command: CommandInput? {
        if case .command(let input) = self { return input }
        return nil
    }
}
