/* The engine launcher: a tiny program the plugin keeps inside itself and runs (from memory) to
 * start an engine process. It loads the plugin library given as argv[1] -- the very file the
 * plugin was loaded from, so the engine is always the plugin's own version -- and runs its
 * engine entry point. Built by build.rs. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "csound-plugin engine launcher: no library given\n");
        return 111;
    }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "csound-plugin engine launcher: %s\n", dlerror());
        return 112;
    }
    int (*run)(int, char **) = (int (*)(int, char **))dlsym(library, "csound_plugin_engine_main");
    if (!run) {
        fprintf(stderr, "csound-plugin engine launcher: %s has no engine\n", argv[1]);
        return 113;
    }
    return run(argc, argv);
}
