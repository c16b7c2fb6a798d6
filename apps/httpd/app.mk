# The project's own apps build with the kernel's warning set, errors included
# (Makefile, "per app").
APP_WARN_httpd := $(WARN)
# page.S includes the page: rebuild it when the page changes.
$(foreach a,$(ARCHES),$(BUILD)/$(a)/apps/httpd/page.S.o): apps/httpd/index.html
# make run gives it a network device and forwards a host port to its 80
# (scripts/run.py --forward; HOST_PORT=N picks the host's port).
RUN_FORWARD_httpd := 80
