# The project's own apps build with the kernel's warning set, errors included
# (Makefile, "per app").
APP_WARN_blkbench := $(WARN)
