/* Excerpt (verbatim) of Open vSwitch's include/linux/openvswitch.h, commit
 * d6a632a9b16e5dca2e51eefded3a545e68ea6ba3 of https://github.com/openvswitch/ovs:
 * the action numbers and the psample action's attributes, which the installed
 * 6.1 UAPI header and Debian 12's kernel do not have yet (psample came in 6.11).
 * tests/test_ovs.py compiles it with gcc to build the bytes OVS's
 * odp_put_psample_action() (lib/odp-util.c) writes.
 *
 * Copyright (c) 2007-2017 Nicira, Inc.
 * That file is offered under a choice of two licenses: Apache 2.0 or GNU GPL 2.0
 * or later (see its header).
 */
#ifndef NLCODEC_TEST_OVS_PSAMPLE_ACTIONS_H
#define NLCODEC_TEST_OVS_PSAMPLE_ACTIONS_H 1

#define OVS_PSAMPLE_COOKIE_MAX_SIZE 16
enum ovs_psample_attr {
        OVS_PSAMPLE_ATTR_GROUP = 1,    /* u32 number. */
        OVS_PSAMPLE_ATTR_COOKIE,       /* Optional, user specified cookie. */

        /* private: */
        __OVS_PSAMPLE_ATTR_MAX
};

enum ovs_action_attr {
	OVS_ACTION_ATTR_UNSPEC,
	OVS_ACTION_ATTR_OUTPUT,	      /* u32 port number. */
	OVS_ACTION_ATTR_USERSPACE,    /* Nested OVS_USERSPACE_ATTR_*. */
	OVS_ACTION_ATTR_SET,          /* One nested OVS_KEY_ATTR_*. */
	OVS_ACTION_ATTR_PUSH_VLAN,    /* struct ovs_action_push_vlan. */
	OVS_ACTION_ATTR_POP_VLAN,     /* No argument. */
	OVS_ACTION_ATTR_SAMPLE,       /* Nested OVS_SAMPLE_ATTR_*. */
	OVS_ACTION_ATTR_RECIRC,       /* u32 recirc_id. */
	OVS_ACTION_ATTR_HASH,	      /* struct ovs_action_hash. */
	OVS_ACTION_ATTR_PUSH_MPLS,    /* struct ovs_action_push_mpls. */
	OVS_ACTION_ATTR_POP_MPLS,     /* __be16 ethertype. */
	OVS_ACTION_ATTR_SET_MASKED,   /* One nested OVS_KEY_ATTR_* including
				       * data immediately followed by a mask.
				       * The data must be zero for the unmasked
				       * bits. */
	OVS_ACTION_ATTR_CT,           /* Nested OVS_CT_ATTR_* . */
	OVS_ACTION_ATTR_TRUNC,        /* u32 struct ovs_action_trunc. */
	OVS_ACTION_ATTR_PUSH_ETH,     /* struct ovs_action_push_eth. */
	OVS_ACTION_ATTR_POP_ETH,      /* No argument. */
	OVS_ACTION_ATTR_CT_CLEAR,     /* No argument. */
	OVS_ACTION_ATTR_PUSH_NSH,     /* Nested OVS_NSH_KEY_ATTR_*. */
	OVS_ACTION_ATTR_POP_NSH,      /* No argument. */
	OVS_ACTION_ATTR_METER,        /* u32 meter number. */
	OVS_ACTION_ATTR_CLONE,        /* Nested OVS_CLONE_ATTR_*.  */
	OVS_ACTION_ATTR_CHECK_PKT_LEN, /* Nested OVS_CHECK_PKT_LEN_ATTR_*. */
	OVS_ACTION_ATTR_ADD_MPLS,     /* struct ovs_action_add_mpls. */
	OVS_ACTION_ATTR_DEC_TTL,      /* Nested OVS_DEC_TTL_ATTR_*. */
	OVS_ACTION_ATTR_DROP,         /* u32 xlate_error. */
	OVS_ACTION_ATTR_PSAMPLE,      /* Nested OVS_PSAMPLE_ATTR_*. */

#ifndef __KERNEL__
	OVS_ACTION_ATTR_TUNNEL_PUSH,   /* struct ovs_action_push_tnl*/
	OVS_ACTION_ATTR_TUNNEL_POP,    /* u32 port number. */
	OVS_ACTION_ATTR_LB_OUTPUT,     /* u32 bond-id. */
#endif
	__OVS_ACTION_ATTR_MAX,	      /* Nothing past this will be accepted
				       * from userspace. */

#ifdef __KERNEL__
	OVS_ACTION_ATTR_SET_TO_MASKED, /* Kernel module internal masked
					* set action converted from
					* OVS_ACTION_ATTR_SET. */
#endif
};

#endif
