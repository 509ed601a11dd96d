BXsJú
<