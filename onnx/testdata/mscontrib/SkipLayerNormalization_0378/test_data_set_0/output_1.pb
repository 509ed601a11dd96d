BsumJp!UXÀeÂ6A‚?ÄgAõ
AÔ’*Á¼z-@°ÆW@`İIÀ˜UŒ?FgAíVAÉ©AL›Àn£¦@`oÕ>$“„ATeaA~;A,“Áä
?ÁD¤¿s»j@ûeÁ=Ä5ÁÌ—‚Ae²ÀÅbq@