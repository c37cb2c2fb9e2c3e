import Foundation

/// Writing to the terminal.
enum Terminal {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension Terminal {
    /// Asks `question` and reads one line; `secret` turns echo off (for passwords). `nil` at end of input.
    static func prompt(_ question: String, secret: Bool) -> String? {
        FileHandle.standardError.write(Data(question.utf8))
        var saved = termios()
        let interactive = isatty(STDIN_FILENO) == 1
        if secret && interactive {
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        }
        let line = readLine(strippingNewline: true)
        if secret && interactive {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return line
    }
}
