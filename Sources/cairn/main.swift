import CairnCore
import CairnRuntime

print(BuildInfo.summary)
