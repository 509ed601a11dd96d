BxJ<^FBîÖFBî
KBãHB[HB{CB„ƒFB¯¯EB
DBñ¤HB°–DBRZJBçâJB‰(GBcvHB