/**
 * A kube-proxy (iptables mode, v1.28-style) ruleset for a node 10.0.0.1 with podCIDR 10.244.1.0/24 in
 * a 10.244.0.0/16 cluster, exactly as `iptables-save` prints it: the apiserver, kube-dns (two
 * endpoints), a NodePort web service (three endpoints, one with ClientIP affinity elsewhere) and a
 * service without endpoints (REJECT in filter).
 */
export const KUBE_PROXY_SAVE = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-KUBELET-CANARY - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A INPUT -j KUBE-FIREWALL
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -j KUBE-FIREWALL
-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/empty:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30099 -j REJECT --reject-with icmp-port-unreachable
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-SERVICES -d 10.96.0.99/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-EXT-WEBHTTPQ2XK4Y7JM - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-APISERVER6443ABC - [0:0]
:KUBE-SEP-DNS1UDPAAAAAAAAA - [0:0]
:KUBE-SEP-DNS2UDPBBBBBBBBB - [0:0]
:KUBE-SEP-WEB1CCCCCCCCCCCC - [0:0]
:KUBE-SEP-WEB2DDDDDDDDDDDD - [0:0]
:KUBE-SEP-WEB3EEEEEEEEEEEE - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SVC-WEBHTTPQ2XK4Y7JM - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-EXT-WEBHTTPQ2XK4Y7JM -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-WEBHTTPQ2XK4Y7JM -j KUBE-SVC-WEBHTTPQ2XK4Y7JM
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j KUBE-EXT-WEBHTTPQ2XK4Y7JM
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-APISERVER6443ABC -s 10.0.0.1/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ
-A KUBE-SEP-APISERVER6443ABC -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 10.0.0.1:6443
-A KUBE-SEP-DNS1UDPAAAAAAAAA -s 10.244.1.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-DNS1UDPAAAAAAAAA -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.1.2:53
-A KUBE-SEP-DNS2UDPBBBBBBBBB -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-DNS2UDPBBBBBBBBB -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SEP-WEB1CCCCCCCCCCCC -s 10.244.1.5/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-WEB1CCCCCCCCCCCC -p tcp -m comment --comment "default/web:http" -m recent --set --name KUBE-SEP-WEB1CCCCCCCCCCCC --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SEP-WEB2DDDDDDDDDDDD -s 10.244.2.6/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-WEB2DDDDDDDDDDDD -p tcp -m comment --comment "default/web:http" -m recent --set --name KUBE-SEP-WEB2DDDDDDDDDDDD --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.2.6:8080
-A KUBE-SEP-WEB3EEEEEEEEEEEE -s 10.244.3.7/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-WEB3EEEEEEEEEEEE -p tcp -m comment --comment "default/web:http" -m recent --set --name KUBE-SEP-WEB3EEEEEEEEEEEE --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.3.7:8080
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SERVICES -d 10.96.100.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEBHTTPQ2XK4Y7JM
-A KUBE-SERVICES -d 172.18.0.100/32 -p tcp -m comment --comment "default/web:http external IP" -m tcp --dport 80 -j KUBE-EXT-WEBHTTPQ2XK4Y7JM
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-NPX46M4PTMTKRN6Y ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ
-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 10.0.0.1:6443" -j KUBE-SEP-APISERVER6443ABC
-A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-DNS1UDPAAAAAAAAA
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.2:53" -j KUBE-SEP-DNS2UDPBBBBBBBBB
-A KUBE-SVC-WEBHTTPQ2XK4Y7JM ! -s 10.244.0.0/16 -d 10.96.100.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-WEBHTTPQ2XK4Y7JM -m comment --comment "default/web:http -> 10.244.1.5:8080" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-WEB1CCCCCCCCCCCC --mask 255.255.255.255 --rsource -j KUBE-SEP-WEB1CCCCCCCCCCCC
-A KUBE-SVC-WEBHTTPQ2XK4Y7JM -m comment --comment "default/web:http -> 10.244.2.6:8080" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-WEB2DDDDDDDDDDDD --mask 255.255.255.255 --rsource -j KUBE-SEP-WEB2DDDDDDDDDDDD
-A KUBE-SVC-WEBHTTPQ2XK4Y7JM -m comment --comment "default/web:http -> 10.244.3.7:8080" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-WEB3EEEEEEEEEEEE --mask 255.255.255.255 --rsource -j KUBE-SEP-WEB3EEEEEEEEEEEE
-A KUBE-SVC-WEBHTTPQ2XK4Y7JM -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-WEB1CCCCCCCCCCCC
-A KUBE-SVC-WEBHTTPQ2XK4Y7JM -m comment --comment "default/web:http -> 10.244.2.6:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-WEB2DDDDDDDDDDDD
-A KUBE-SVC-WEBHTTPQ2XK4Y7JM -m comment --comment "default/web:http -> 10.244.3.7:8080" -j KUBE-SEP-WEB3EEEEEEEEEEEE
COMMIT
`;

/**
 * The same web service as kube-proxy writes it to iptables-restore (its own argument order, 10-digit
 * probabilities, --dport without -m tcp); iptables-save prints it in canonical form.
 */
export const KUBE_PROXY_INPUT_LINES: ReadonlyArray<readonly [input: string, saved: string]> = [
  [
    '-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.100.100/32 --dport 80 -j KUBE-SVC-WEBHTTPQ2XK4Y7JM',
    '-A KUBE-SERVICES -d 10.96.100.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEBHTTPQ2XK4Y7JM',
  ],
  [
    '-A KUBE-SVC-WEBHTTPQ2XK4Y7JM -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-WEB1CCCCCCCCCCCC',
    '-A KUBE-SVC-WEBHTTPQ2XK4Y7JM -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-WEB1CCCCCCCCCCCC',
  ],
  [
    '-A KUBE-NODEPORTS -m comment --comment default/web:http -p tcp --dport 30080 -j KUBE-EXT-WEBHTTPQ2XK4Y7JM',
    '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j KUBE-EXT-WEBHTTPQ2XK4Y7JM',
  ],
  [
    '-A KUBE-SEP-WEB1CCCCCCCCCCCC -m comment --comment "default/web:http" -m recent --name KUBE-SEP-WEB1CCCCCCCCCCCC --set -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080',
    '-A KUBE-SEP-WEB1CCCCCCCCCCCC -p tcp -m comment --comment "default/web:http" -m recent --set --name KUBE-SEP-WEB1CCCCCCCCCCCC --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.5:8080',
  ],
  [
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
  ],
  [
    '-A KUBE-SEP-WEB1CCCCCCCCCCCC -m comment --comment "default/web:http" -s 10.244.1.5 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-WEB1CCCCCCCCCCCC -s 10.244.1.5/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ',
  ],
];
