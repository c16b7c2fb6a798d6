# lwIP 2.1.3 (TCP/IP) from Debian's source package (scripts/fetch-lwip.sh),
# with Proteus's port (net/lwip/: lwipopts.h, arch/cc.h, sys_arch.c on the
# kernel's threads, netif.c on the netdev interface), built per arch into
# build/<arch>/liblwip.a and linked into every image, of which the linker
# keeps only what an app uses. lwIP's own files build with the app warning
# set and without -Werror (they are Debian's, not ours); the port's with
# the kernel's, errors included.
LWIP_ROOT := $(or $(NEWLIB_FROM),$(BUILD))/lwip
LWIP_SRC := $(LWIP_ROOT)/lwip-2.1.3/src
LWIP_FETCHED := $(LWIP_ROOT)/.fetched
LWIP_FILES := $(addprefix core/,def dns inet_chksum init ip mem memp netif pbuf raw stats sys \
        tcp tcp_in tcp_out timeouts udp) \
    $(addprefix core/ipv4/,autoip dhcp etharp icmp igmp ip4 ip4_addr ip4_frag) \
    $(addprefix api/,api_lib api_msg err if_api netbuf netdb netifapi sockets tcpip) \
    netif/ethernet
LWIP_PORT := $(basename $(wildcard net/*.c net/lwip/*.c))
LWIP_INC := -Inet/lwip/include -I$(LWIP_SRC)/include

$(LWIP_FETCHED): scripts/fetch-lwip.sh
	$(Q)./scripts/fetch-lwip.sh $(LWIP_ROOT)

# $(1) = arch
define LWIP_template
$(1)_LWIP := $$($(1)_DIR)/liblwip.a
$(1)_LWIP_OBJS := $$(patsubst %,$$($(1)_DIR)/lwip/%.o,$(LWIP_FILES)) \
    $$(patsubst %,$$($(1)_DIR)/%.o,$(LWIP_PORT))
$$($(1)_DIR)/lwip/%.o: $(LWIP_FETCHED) $$($(1)_NEWLIB_DIR)/newlib/.built $$($(1)_CONFIG_FILE) \
        net/lwip/include/lwipopts.h
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CC      $(1)/lwip/$$*.c"
	$(Q)$(HOST_CC) $$($(1)_ACFLAGS) $(APP_WARN) $(LWIP_INC) -c $(LWIP_SRC)/$$*.c -o $$@
$$($(1)_DIR)/net/%.o: net/%.c $(LWIP_FETCHED) $$($(1)_NEWLIB_DIR)/newlib/.built \
        $$($(1)_CONFIG_FILE) net/lwip/include/lwipopts.h
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CC      $(1)/$$<"
	$(Q)$(HOST_CC) $$($(1)_ACFLAGS) $(WARN) $(LWIP_INC) -c $$< -o $$@
$$($(1)_LWIP): $$($(1)_LWIP_OBJS)
	@echo "  AR      $(1)/liblwip.a"
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
