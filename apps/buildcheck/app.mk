# buildcheck: an app that uses every per-app build feature (Makefile, "per
# app"; docs/apps.md, "Building an app"), so that a boot row proves them.
# The default app warning set (no APP_WARN_buildcheck): parse/words.c has a
# function without a prototype, which the kernel's set would refuse.
APP_CFLAGS_buildcheck := -DBUILDCHECK_GREETING='"built with its own flags"'
APP_CXXFLAGS_buildcheck := -DBUILDCHECK_CXX=1
# vendor/libtally is a library of its own: not compiled as the app's
# sources, but into an archive per arch, linked before newlib.
APP_SKIP_buildcheck := vendor
APP_LIBS_buildcheck = $(BUILD)/$(1)/apps/buildcheck/libtally.a

$(BUILD)/%/apps/buildcheck/libtally.a: apps/buildcheck/vendor/libtally/tally.c
	@mkdir -p $(dir $@)
	@echo "  AR      $*/apps/buildcheck/libtally.a"
	$(Q)$(HOST_CC) $($*_ACFLAGS) $(APP_WARN) -c $< -o $(@:.a=.o)
	$(Q)ar rcs $@ $(@:.a=.o)
