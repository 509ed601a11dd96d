B
bias_ih_l0J w†—º?õc>3mä<ƒ8>ƒ>ûaø½¸ s¾w°¯>