import CSystem
import CairnCore
import CairnRuntime

exit(Commands.main(ProcessArguments.current()))
