import Foundation

/// Writes bytes at an offset of an existing file (to simulate media damage).
struct FileHandleLite {
    let handle: FileHandle

    init?(path: String) {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { return nil }
        self.handle = handle
    }

    func overwrite(at offset: UInt64, bytes: [UInt8]) {
        handle.seek(toFileOffset: offset)
        handle.write(Data(bytes))
        handle.synchronizeFile()
        handle.closeFile()
    }
}
