import CSystem
import CairnRuntime

exit(Commands.main(Array(CommandLine.arguments.dropFirst())))
