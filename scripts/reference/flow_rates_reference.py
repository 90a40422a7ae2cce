"""Independent reference for core/calibration/flow-rates.ts on the shared LOBSTER AMZN level-10 sample
(numpy only; reads the message and orderbook CSVs directly, not the catalog).

Definitions (the module's header): the mid before message i is that of orderbook row i-1; an order's
distance is ceil(mid - p) ticks for a bid, ceil(p - mid) for an ask; arrivals are adds by distance at
arrival; cancels are deletes of orders whose add is in the file, by distance at the delete; exposure is
the order-seconds each such order rests at each distance (1..cap); market orders are runs of executions
(types 4 and 5) with the same time and aggressor (minus the resting order's direction); sizes in shares
(lot 1), log-normal MLE of ln size.
The test (core/calibration/flow-rates-amzn.test.ts) holds the printed numbers as constants.
Run: python3 scripts/reference/flow_rates_reference.py
"""
import math
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
D = os.path.join(HERE, "..", "..", "..", "shared", "data", "lobster", "AMZN_2012-06-21_L10")
MSG = os.path.join(D, "AMZN_2012-06-21_34200000_57600000_message_10.first16000.csv")
OB = os.path.join(D, "AMZN_2012-06-21_34200000_57600000_orderbook_10.first16000.csv")
CAP = 20

msg = np.loadtxt(MSG, delimiter=",")
ob = np.loadtxt(OB, delimiter=",")
n = len(msg)
# times as the catalog stores them: whole nanoseconds
t = np.round(msg[:, 0] * 1e9) / 1e9
ask, bid = ob[:, 0], ob[:, 2]
valid = (np.abs(ask) < 9e9) & (np.abs(bid) < 9e9) & (ask > bid)
mid_after = np.where(valid, (ask + bid) / 2 / 100.0, np.nan)  # in ticks of 0.01 USD
mid_before = np.concatenate([[np.nan], mid_after[:-1]])


def dist(side, p, m):
    x = (m - p) if side > 0 else (p - m)
    return math.ceil(x - 1e-9)


orders = {}
arr = np.zeros(CAP + 1)
canc = np.zeros(CAP + 1)
expo = np.zeros(CAP + 1)
limit_sizes, market_sizes = [], []
unseen = 0
prev_t = t[0]
last_trade = None
for i in range(n):
    ti, typ, oid, size, price, side = t[i], int(msg[i, 1]), int(msg[i, 2]), msg[i, 3], msg[i, 4], int(msg[i, 5])
    m = mid_before[i]
    dt = ti - prev_t
    prev_t = ti
    if dt > 0 and not np.isnan(m):
        for (s, p, q) in orders.values():
            d = dist(s, p, m)
            if 1 <= d <= CAP:
                expo[d] += dt
    pt = round(price / 100.0)
    if typ in (4, 5):
        key = (ti, -side)
        if key != last_trade:
            market_sizes.append(0.0)
            last_trade = key
        market_sizes[-1] += size
    if typ == 1:
        if not np.isnan(m):
            d = dist(side, pt, m)
            if 1 <= d <= CAP:
                arr[d] += 1
        limit_sizes.append(size)
        orders[oid] = (side, pt, size)
    elif typ in (2, 3, 4):
        if oid not in orders:
            unseen += typ == 3
            continue
        s, p, q = orders[oid]
        if typ == 3:
            d = dist(s, p, m) if not np.isnan(m) else 0
            if 1 <= d <= CAP:
                canc[d] += 1
            del orders[oid]
        else:
            q -= min(q, size)
            if q <= 1e-12:
                del orders[oid]
            else:
                orders[oid] = (s, p, q)

T = t[-1] - t[0]
ls = np.log(np.array(limit_sizes))
ms = np.log(np.array(market_sizes))
print("seconds", f"{T:.9f}")
print("arrivals 1..10", [int(x) for x in arr[1:11]])
print("cancels 1..10", [int(x) for x in canc[1:11]])
print("exposure 1..10", [f"{x:.6f}" for x in expo[1:11]])
print("limitRate", f"{arr[1:].sum() / (2 * T):.12f}")
print("depthMean", f"{(np.arange(1, CAP + 1) * arr[1:]).sum() / arr[1:].sum():.12f}")
print("cancelRate", f"{canc[1:].sum() / expo[1:].sum():.12f}")
print("marketOrders", len(market_sizes), "marketRate", f"{len(market_sizes) / (2 * T):.12f}")
print("limit mu sigma", f"{ls.mean():.12f}", f"{ls.std():.12f}")
print("market mu sigma", f"{ms.mean():.12f}", f"{ms.std():.12f}")
print("unseen deletes", unseen)
